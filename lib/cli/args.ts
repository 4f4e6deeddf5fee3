/**
 * Command-line flag parsing: each command declares its flags, and anything unknown, missing or
 * malformed becomes a UsageError (exit code 2) with a message naming the flag.
 * @internal
 * @module
 */

/** Kinds of flag values. */
export type FlagKind = 'string' | 'int' | 'number' | 'intList' | 'numberList' | 'bool';

/** Declaration of one flag. */
export interface FlagSpec {
  kind: FlagKind;
  /** One-line help text. */
  help: string;
  required?: boolean;
  /** Lower bound for numbers (inclusive). */
  min?: number;
  /** Allowed string values. */
  choices?: readonly string[];
}

/** A bad command line: printed with usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parsed flag values. */
export type ParsedFlags = Record<string, string | number | number[] | boolean | undefined>;

/** Parses `argv` (after the command name) against `specs`. Accepts `--flag value` and `--flag=value`. */
export function parseFlags(argv: readonly string[], specs: Record<string, FlagSpec>): ParsedFlags {
  const out: ParsedFlags = {};
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown flag --${name}`);
    if (spec.kind === 'bool') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      out[name] = true;
      continue;
    }
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      if (k + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
      value = argv[++k];
    }
    out[name] = convert(name, value, spec);
  }
  for (const [name, spec] of Object.entries(specs))
    if (spec.required && out[name] === undefined) throw new UsageError(`--${name} is required`);
  return out;
}

function convert(name: string, value: string, spec: FlagSpec): string | number | number[] {
  const number = (text: string): number => {
    const v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name} expects a number, got '${text}'`);
    if (spec.kind !== 'number' && spec.kind !== 'numberList' && !Number.isInteger(v)) throw new UsageError(`--${name} expects an integer, got '${text}'`);
    if (spec.min !== undefined && v < spec.min) throw new UsageError(`--${name} must be >= ${spec.min}, got ${text}`);
    return v;
  };
  switch (spec.kind) {
    case 'string':
      if (spec.choices && !spec.choices.includes(value))
        throw new UsageError(`--${name} must be one of ${spec.choices.join(', ')}; got '${value}'`);
      return value;
    case 'int':
    case 'number':
      return number(value);
    case 'intList':
    case 'numberList': {
      const parts = value.split(',');
      if (parts.some((p) => p.trim() === '')) throw new UsageError(`--${name} expects a comma-separated list, got '${value}'`);
      return parts.map(number);
    }
    default:
      throw new UsageError(`--${name}: unsupported flag kind`);
  }
}

/** Usage text for a command's flags. */
export function flagHelp(specs: Record<string, FlagSpec>): string {
  return Object.entries(specs)
    .map(([name, s]) => {
      const value = s.kind === 'bool' ? '' : s.kind === 'intList' || s.kind === 'numberList' ? ' <n[,n...]>' : s.choices ? ` <${s.choices.join('|')}>` : ` <${s.kind}>`;
      const left = `  --${name}${value}`;
      return (left.length < 34 ? left.padEnd(34) : `${left}\n${' '.repeat(34)}`) + s.help + (s.required ? ' (required)' : '');
    })
    .join('\n');
}
