// The 16-step drum grid: a pattern (functions/patterns/schemas.ts) drawn as toggle buttons,
// editable or read-only, plus a tiny Web Audio player.
import { h } from "./ui.js";

export const STEPS = 16;
export const INSTRUMENTS = ["kick", "snare", "hihat", "clap"];

/** A new, empty pattern in the API's shape. */
export function emptyPattern(name = "Untitled beat") {
  return {
    name,
    tempo: 120,
    tracks: INSTRUMENTS.map((instrument) => ({
      instrument,
      steps: Array.from({ length: STEPS }, () => false),
      volume: 0.8,
    })),
    mixer: { masterVolume: 0.9 },
    isPublic: false,
  };
}

/** Whether a step value (boolean or velocity 0–1) plays. */
const isOn = (value) => value === true || (typeof value === "number" && value > 0);

/**
 * Draws `pattern`'s tracks into `container`. When `onToggle` is given the steps are buttons
 * that call it with (trackIndex, stepIndex); otherwise the grid is read-only.
 */
export function renderGrid(container, pattern, onToggle) {
  const rows = pattern.tracks.map((track, t) =>
    h(
      "div",
      { className: "track", role: "row", dataset: { instrument: track.instrument } },
      h("span", { className: "instrument", role: "rowheader" }, track.instrument),
      Array.from({ length: Math.max(STEPS, track.steps.length) }, (_, s) => {
        const on = isOn(track.steps[s]);
        const label = `${track.instrument} step ${s + 1}`;
        return onToggle
          ? h("button", {
              type: "button",
              className: `step${on ? " on" : ""}${s % 4 === 0 ? " beat" : ""}`,
              "aria-pressed": String(on),
              "aria-label": label,
              dataset: { track: t, step: s },
              onclick: () => onToggle(t, s),
            })
          : h("span", {
              className: `step${on ? " on" : ""}${s % 4 === 0 ? " beat" : ""}`,
              role: "gridcell",
              "aria-label": `${label}: ${on ? "on" : "off"}`,
              dataset: { track: t, step: s, on: String(on) },
            });
      }),
    ),
  );
  container.replaceChildren(...rows);
  container.setAttribute("role", "grid");
  container.setAttribute("aria-label", onToggle ? "Drum grid" : "Drum grid (read-only)");
}

let audio;

function hit(ctx, instrument, when, volume) {
  const gain = ctx.createGain();
  gain.connect(ctx.destination);
  const length = instrument === "kick" ? 0.25 : instrument === "hihat" ? 0.05 : 0.12;
  gain.gain.setValueAtTime(volume, when);
  gain.gain.exponentialRampToValueAtTime(0.001, when + length);
  if (instrument === "kick") {
    const osc = ctx.createOscillator();
    osc.frequency.setValueAtTime(150, when);
    osc.frequency.exponentialRampToValueAtTime(40, when + length);
    osc.connect(gain);
    osc.start(when);
    osc.stop(when + length);
    return;
  }
  const noise = ctx.createBuffer(1, Math.ceil(ctx.sampleRate * length), ctx.sampleRate);
  const data = noise.getChannelData(0);
  for (let i = 0; i < data.length; i++) data[i] = Math.random() * 2 - 1;
  const source = ctx.createBufferSource();
  source.buffer = noise;
  const filter = ctx.createBiquadFilter();
  filter.type = instrument === "hihat" ? "highpass" : "bandpass";
  filter.frequency.value = instrument === "hihat" ? 7000 : 1800;
  source.connect(filter).connect(gain);
  source.start(when);
}

/** Plays the pattern once through (one bar of sixteenth notes at its tempo). */
export function playOnce(pattern) {
  audio ??= new AudioContext();
  const sixteenth = 60 / pattern.tempo / 4;
  const start = audio.currentTime + 0.05;
  for (const track of pattern.tracks) {
    track.steps.forEach((value, s) => {
      if (!isOn(value)) return;
      const velocity = typeof value === "number" ? value : 1;
      hit(audio, track.instrument, start + s * sixteenth, Math.max(0.001, track.volume * velocity));
    });
  }
}
