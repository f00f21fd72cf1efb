import { MONTH_NAMES } from '@npq/contracts';
import { amount, money } from '../format';

export interface ChartStatement {
  id: string;
  month: string;
  year: string;
  total: string | number;
  state: string;
}

export interface Bar {
  id: string;
  label: string;
  shortLabel: string;
  value: number;
  valueText: string;
  state: string;
  current: boolean;
  x: number;
  y: number;
  width: number;
  height: number;
  labelX: number;
}

export interface Chart {
  width: number;
  height: number;
  plotTop: number;
  plotBottom: number;
  plotLeft: number;
  bars: Bar[];
  ticks: { y: number; text: string }[];
}

/** The month's order in time: statements are sorted by year, then month. */
function monthIndex(s: { month: string; year: string }): number {
  return Number(s.year) * 12 + Math.max(0, (MONTH_NAMES as readonly string[]).indexOf(s.month));
}

/** A round step for the value axis: 1, 2 or 5 times a power of ten, giving about four ticks. */
function niceStep(max: number): number {
  if (max <= 0) return 1;
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/**
 * The bar chart of a cohort's statements (one bar per month, the total payment), laid out for a server-
 * rendered SVG: no JavaScript, and the same figures in a table beside it (docs/console.md, "Statements").
 * Negative totals (clawbacks larger than payments) are drawn as empty bars at zero; the table shows them.
 */
export function paymentsChart(statements: ChartStatement[], currentId: string): Chart {
  const sorted = [...statements].sort((a, b) => monthIndex(a) - monthIndex(b) || a.id.localeCompare(b.id));
  const width = 960;
  const height = 260;
  const plotLeft = 80;
  const plotTop = 16;
  const plotBottom = height - 40;
  const plotWidth = width - plotLeft - 10;
  const values = sorted.map((s) => amount(s.total));
  const step = niceStep(Math.max(0, ...values));
  const top = Math.max(step, Math.ceil(Math.max(0, ...values) / step) * step);
  const slot = sorted.length > 0 ? plotWidth / sorted.length : plotWidth;
  const barWidth = Math.max(2, slot * 0.7);
  const scale = (v: number) => ((plotBottom - plotTop) * Math.max(0, v)) / top;
  const bars = sorted.map((s, i): Bar => {
    const value = amount(s.total);
    const h = scale(value);
    const x = plotLeft + i * slot + (slot - barWidth) / 2;
    return {
      id: s.id,
      label: `${s.month} ${s.year}`,
      shortLabel: `${s.month.slice(0, 3)} ${s.year.slice(2)}`,
      value,
      valueText: money(value),
      state: s.state,
      current: s.id === currentId,
      x: Math.round(x * 10) / 10,
      y: Math.round((plotBottom - h) * 10) / 10,
      width: Math.round(barWidth * 10) / 10,
      height: Math.round(h * 10) / 10,
      labelX: Math.round((x + barWidth / 2) * 10) / 10,
    };
  });
  const ticks: Chart['ticks'] = [];
  for (let v = 0; v <= top + step / 2; v += step) {
    ticks.push({ y: Math.round((plotBottom - scale(v)) * 10) / 10, text: money(v).replace(/\.00$/, '') });
  }
  return { width, height, plotTop, plotBottom, plotLeft, bars, ticks };
}

/** Where a statement is on its way to being paid (docs/console.md, "Statements"). */
export type Progress = 'open' | 'payable' | 'authorised' | 'paid';

export function progressOf(s: { state: string; marked_as_paid_at: string | null }): Progress {
  if (s.state === 'paid') return 'paid';
  if (s.state === 'payable') return s.marked_as_paid_at ? 'authorised' : 'payable';
  return 'open';
}
