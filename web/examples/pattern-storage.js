// The site's own local pattern store (the spec's `patternStorage`): patterns in localStorage,
// each given a UUID on first save so the cloud copy keeps the same id.
const KEY = "music-lab-patterns";

function readAll() {
  return JSON.parse(localStorage.getItem(KEY) ?? "[]");
}

export const patternStorage = {
  async savePattern(pattern) {
    pattern.id ??= crypto.randomUUID();
    const others = readAll().filter((p) => p.id !== pattern.id);
    localStorage.setItem(KEY, JSON.stringify([pattern, ...others]));
    return pattern;
  },
  async loadPatterns() {
    return readAll();
  },
};
