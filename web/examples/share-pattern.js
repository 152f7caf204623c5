// The spec's "Example: Sharing a Pattern" (Phase 4), unchanged (formatter comments aside)
// between the import of the site's toast and the export.
import { showToast } from "./toast.js";

// share-pattern.js

// biome-ignore format: the spec's code, verbatim
import { serviceFactory } from './service-factory.js';

// biome-ignore format: the spec's code, verbatim
async function sharePattern(patternId) {
  const sharingService = serviceFactory.getSharingService();

  try {
    const share = await sharingService.createShareLink(patternId, {
      public: true,
      expiresIn: null // Never expires
    });

    // Show shareable URL
    showToast({
      type: 'success',
      message: 'Pattern shared!',
      actions: [
        {
          label: 'Copy link',
          onClick: () => {
            navigator.clipboard.writeText(share.url);
            showToast({ type: 'success', message: 'Link copied!' });
          }
        }
      ]
    });

    return share;
  } catch (error) {
    showToast({
      type: 'error',
      message: 'Failed to share pattern: ' + error.message
    });
  }
}

export { sharePattern };
