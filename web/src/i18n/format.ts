/** Numbers, money, dates and durations in the reader's language, all through Intl. */
export interface Formatters {
  num(n: number, options?: Intl.NumberFormatOptions): string;
  /** US dollars: cents for ordinary amounts, more digits for the tiny cost of one call. */
  money(usd: number): string;
  percent(fraction: number): string;
  /** Date and time, medium length. */
  date(iso: string | number): string;
  /** Time of day only, for events of today. */
  time(iso: string | number): string;
  /** "in 3 minutes", "2 hours ago", relative to `now`. */
  relative(at: string | number, now: number): string;
  /** A span of time as "1 h 2 min 5 s" (or "340 ms" below a second). */
  duration(ms: number): string;
  /** A meter's amount: USD as money, anything else as a number. */
  amount(meter: string, n: number): string;
}

export function formatters(locale: string): Formatters {
  const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  const cents = new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD' });
  const tiny = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: 2,
    maximumSignificantDigits: 3,
  });
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });
  const time = new Intl.DateTimeFormat(locale, { timeStyle: 'medium' });
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const unit = (u: 'hour' | 'minute' | 'second' | 'millisecond' | 'day') =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: u, unitDisplay: 'short' });
  const units = {
    day: unit('day'),
    hour: unit('hour'),
    minute: unit('minute'),
    second: unit('second'),
    millisecond: unit('millisecond'),
  };
  const toMs = (at: string | number) => (typeof at === 'number' ? at : Date.parse(at));
  const f: Formatters = {
    num: (n, options) => (options ? new Intl.NumberFormat(locale, options).format(n) : integer.format(n)),
    money: (usd) => (usd !== 0 && Math.abs(usd) < 0.01 ? tiny.format(usd) : cents.format(usd)),
    percent: (fraction) => percent.format(fraction),
    date: (at) => date.format(toMs(at)),
    time: (at) => time.format(toMs(at)),
    relative: (at, now) => {
      const seconds = Math.round((toMs(at) - now) / 1000);
      const abs = Math.abs(seconds);
      if (abs < 60) return relative.format(seconds, 'second');
      if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
      if (abs < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
      return relative.format(Math.round(seconds / 86_400), 'day');
    },
    duration: (ms) => {
      if (ms < 1000) return units.millisecond.format(Math.max(0, Math.round(ms)));
      let s = Math.round(ms / 1000);
      const parts: string[] = [];
      const days = Math.floor(s / 86_400);
      s -= days * 86_400;
      const hours = Math.floor(s / 3600);
      s -= hours * 3600;
      const minutes = Math.floor(s / 60);
      s -= minutes * 60;
      if (days) parts.push(units.day.format(days));
      if (hours) parts.push(units.hour.format(hours));
      if (minutes && !days) parts.push(units.minute.format(minutes));
      if (!days && !hours) parts.push(units.second.format(s));
      return parts.join(' ');
    },
    amount: (meter, n) => (meter === 'usd' ? f.money(n) : integer.format(n)),
  };
  return f;
}
