/** The visitor's name and colour, kept in localStorage so every tab of the demo starts with the same. */
import { defaultName, safeColour, safeName } from './format';

export interface DemoMetadata extends Record<string, unknown> {
  name: string;
  color: string;
}

const PROFILE_KEY = 'shoal-demo:profile';
const FALLBACK_COLOUR = '#1f6feb';

/** The stored profile, or a fresh random one when there is none (or it can't be read). */
export function loadProfile(): DemoMetadata {
  try {
    const v = JSON.parse(localStorage.getItem(PROFILE_KEY) ?? 'null') as Partial<DemoMetadata> | null;
    if (v !== null && typeof v.name === 'string' && typeof v.color === 'string') {
      return { name: safeName(v.name, 'Guest'), color: safeColour(v.color, FALLBACK_COLOUR) };
    }
  } catch {
    // A corrupt or blocked store just means a fresh profile.
  }
  const hue = Math.floor(Math.random() * 360);
  return { name: defaultName(Math.random().toString(16).slice(2)), color: hslToHex(hue, 0.65, 0.5) };
}

/** Cleans what the form holds into a profile and stores it (best effort). */
export function saveProfile(name: string, color: string): DemoMetadata {
  const profile = { name: safeName(name, 'Guest'), color: safeColour(color, FALLBACK_COLOUR) };
  try {
    localStorage.setItem(PROFILE_KEY, JSON.stringify(profile));
  } catch {
    // Best effort.
  }
  return profile;
}

function hslToHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(255 * c)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}
