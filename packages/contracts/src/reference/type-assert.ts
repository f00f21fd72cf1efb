/** Compile-time helpers used to pin derived union types against types declared elsewhere. */

/** `true` when A and B are mutually identical types, otherwise `false`. */
export type TypesEqual<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Fails to compile unless T is `true`. */
export type AssertTrue<T extends true> = T;
