/** Display helpers the templates use (nunjucks filters). Everything the console shows is UTC. */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pounds = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' });
const counts = new Intl.NumberFormat('en-GB');

/** `1234.5` or `"1234.50"` → `£1,234.50`; null → `–`. */
export function money(value: unknown): string {
  if (value === null || value === undefined || value === '') return '–';
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? pounds.format(n) : typeof value === 'string' ? value : '–';
}

export function amount(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

export function count(value: unknown): string {
  return typeof value === 'number' ? counts.format(value) : '–';
}

/** `2025-11-01` → `1 Nov 2025`. */
export function date(value: unknown): string {
  if (typeof value !== 'string' || value === '') return '–';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!m) return value;
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1] ?? m[2]} ${m[1]}`;
}

/** An ISO timestamp → `1 Nov 2025, 14:03:07 UTC`. */
export function dateTime(value: unknown): string {
  if (typeof value !== 'string' || value === '') return '–';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  const iso = d.toISOString();
  return `${date(iso.slice(0, 10))}, ${iso.slice(11, 19)} UTC`;
}

/** Seconds → `45 s`, `12 min`, `3 h 5 min`, `2 days`; null → `–`. */
export function age(seconds: unknown): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) {
    const m = Math.floor((s % 3600) / 60);
    return `${Math.floor(s / 3600)} h${m ? ` ${m} min` : ''}`;
  }
  const days = Math.floor(s / 86_400);
  return `${days} day${days === 1 ? '' : 's'}`;
}

/** `npq-senior-leadership` → `Senior leadership`; `retained-1` → `Retained 1`. */
export function label(value: unknown): string {
  if (typeof value !== 'string' || value === '') return '–';
  const text = value.replace(/^npq-/, '').replace(/[-_]/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A GOV.UK tag colour for a state. */
export function stateColour(value: unknown): string {
  switch (value) {
    case 'up':
    case 'paid':
    case 'sent':
    case 'active':
    case 'accepted':
    case 'redriven':
      return 'green';
    case 'down':
    case 'failed':
    case 'failing':
    case 'rejected':
    case 'parked':
    case 'revoked':
    case 'voided':
      return 'red';
    case 'payable':
    case 'authorised':
    case 'pending':
    case 'retry':
    case 'in_flight':
      return 'yellow';
    case 'open':
    case 'eligible':
      return 'blue';
    default:
      return 'grey';
  }
}
