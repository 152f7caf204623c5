// The spec's "Example: Sequencer Save with Cloud Sync" (Phase 4), unchanged (formatter comments
// aside) between the import of the site's local store and the export.
import { patternStorage } from "./pattern-storage.js";

// sequencer.js

// biome-ignore format: the spec's code, verbatim
import { serviceFactory } from './service-factory.js';

// biome-ignore format: the spec's code, verbatim
async function savePattern(pattern) {
  // Save locally first (always works)
  await patternStorage.savePattern(pattern);

  // Try to sync to cloud (if authenticated)
  const authService = serviceFactory.getAuthService();
  const authState = authService.getAuthState();

  if (authState.isAuthenticated) {
    try {
      const dataSyncService = serviceFactory.getDataSyncService();
      await dataSyncService.savePattern(pattern);
      console.log('Pattern saved to cloud');
    } catch (error) {
      console.warn('Failed to sync to cloud, saved locally only:', error);
      // Don't fail - local save is enough
    }
  }
}

export { savePattern };
