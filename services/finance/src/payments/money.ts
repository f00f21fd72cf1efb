import { Decimal } from 'decimal.js';

/**
 * Money arithmetic: arbitrary precision (like DfE's BigDecimal), never floats, no rounding until display.
 * 50 significant digits keeps every division exact far beyond the penny.
 */
export const Money = Decimal.clone({ precision: 50, rounding: Decimal.ROUND_HALF_UP });
export type Money = Decimal;

export function money(value: string | number | Decimal): Decimal {
  return new Money(value);
}

export const ZERO = money(0);

export function sum(values: Decimal[]): Decimal {
  return values.reduce((acc, v) => acc.plus(v), ZERO);
}

/** Pounds with exactly two decimals, rounded half up only here (DfE's number_to_currency); never "-0.00". */
export function formatMoney(value: Decimal): string {
  const rounded = value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
  return (rounded.isZero() ? rounded.abs() : rounded).toFixed(2);
}
