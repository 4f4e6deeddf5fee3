/**
 * Validation of numeric and enumerated options, so every entry point rejects bad values with the
 * same E_INVALID_ARG message naming the option (NaN and Infinity included).
 * @internal
 * @module
 */
import { RecforgeError } from './errors.js';

/** An integer in [min, max], or `fallback` when undefined. */
export function intOption(name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new RecforgeError('E_INVALID_ARG', `${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  return value;
}

/** A finite number >= min (> min when `exclusive`), or `fallback` when undefined. */
export function numberOption(name: string, value: unknown, min: number, fallback: number, exclusive = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (exclusive && value === min))
    throw new RecforgeError('E_INVALID_ARG', `${name} must be a finite number ${exclusive ? '>' : '>='} ${min}, got ${String(value)}`);
  return value;
}

/** One of `choices`, or `fallback` when undefined. */
export function choiceOption<T extends string>(name: string, value: unknown, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !choices.includes(value as T))
    throw new RecforgeError('E_INVALID_ARG', `${name} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** A boolean, or `fallback` when undefined. */
export function boolOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new RecforgeError('E_INVALID_ARG', `${name} must be true or false, got ${String(value)}`);
  return value;
}
