import { formatDuration } from '../time/duration.js';
import type { ProgressSnapshot } from './error-details.js';

export type Locale = 'en' | 'fr';

export const locales: readonly Locale[] = ['en', 'fr'];

/** Locale-aware formatting used by the recommendation catalogue and default messages. */
export interface Formatter {
  readonly locale: Locale;
  num(value: number | undefined): string;
  dur(ms: number | undefined): string;
  progress(progress: ProgressSnapshot | undefined): string;
}

export function formatter(locale: Locale): Formatter {
  const numbers = new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-US', { maximumFractionDigits: 2 });
  return {
    locale,
    num: (value) => (value === undefined ? '?' : numbers.format(value)),
    dur: (ms) => (ms === undefined ? '?' : formatDuration(ms, locale)),
    progress: (p) => {
      if (p === undefined) return '';
      const unit = p.unit ? ` ${p.unit}` : '';
      const count =
        p.total === undefined
          ? `${numbers.format(p.done)}${unit}`
          : `${numbers.format(p.done)}/${numbers.format(p.total)}${unit}`;
      const percent = p.percent === undefined ? '' : ` (${numbers.format(Math.floor(p.percent))} %)`;
      return `${count}${percent}`;
    },
  };
}

/** Where to look when a provider's account runs out of quota or credit. */
export const billingPages: Record<string, string> = {
  openai: 'https://platform.openai.com/settings/organization/billing',
  anthropic: 'https://console.anthropic.com/settings/billing',
  gemini: 'https://aistudio.google.com/usage',
};

export const statusPages: Record<string, string> = {
  openai: 'https://status.openai.com',
  anthropic: 'https://status.anthropic.com',
  gemini: 'https://aistudio.google.com/status',
};
