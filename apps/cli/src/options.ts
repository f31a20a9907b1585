import { UsageError } from "./errors.js";

/**
 * Each command declares its options once; the parser validates argv against that
 * declaration, the command gets typed values (never a lookup by string), and the usage
 * text is generated from the same declaration. No dependency: `sealbox` starts fast.
 */
export interface FlagOption {
  readonly kind: "flag";
}

export interface ValueOption {
  readonly kind: "value";
  /** The placeholder in the usage text: `--out FILE`. */
  readonly placeholder: string;
  readonly required?: boolean;
  /** May be given several times; the command gets every value in order. */
  readonly repeat?: boolean;
  /** The only values accepted (exactly as written). */
  readonly choices?: readonly string[];
}

export type OptionSpec = FlagOption | ValueOption;
export type OptionsSpec = Readonly<Record<string, OptionSpec>>;

export const flag = (): FlagOption => ({ kind: "flag" });

export function value<const R extends boolean = false, const M extends boolean = false>(
  placeholder: string,
  options: { required?: R; repeat?: M; choices?: readonly string[] } = {},
): ValueOption & { required: R; repeat: M } {
  return {
    kind: "value",
    placeholder,
    required: (options.required ?? false) as R,
    repeat: (options.repeat ?? false) as M,
    ...(options.choices ? { choices: options.choices } : {}),
  };
}

type ValueOf<S> = S extends FlagOption
  ? boolean
  : S extends { repeat: true }
    ? string[]
    : S extends { required: true }
      ? string
      : string | undefined;

export type ParsedOptions<O extends OptionsSpec> = { -readonly [K in keyof O]: ValueOf<O[K]> };

/** One occurrence of an option, in argv order (commands that pair options read these). */
export interface Occurrence {
  name: string;
  value: string | true;
}

type Words<S extends string> = S extends `${infer Head} ${infer Tail}`
  ? [Head, ...Words<Tail>]
  : S extends ""
    ? []
    : [S];

type Slots<W extends string[]> = W extends [infer Head extends string, ...infer Tail extends string[]]
  ? Head extends `[${string}...]`
    ? string[]
    : Head extends `${string}...`
      ? [string, ...string[]]
      : Head extends `[${string}]`
        ? [string?, ...Slots<Tail>]
        : [string, ...Slots<Tail>]
  : [];

/** The positionals as a tuple typed from the usage pattern: "ACCOUNT [DOMAIN]" → [string, string?]. */
export type Positionals<P extends string> = string extends P ? Array<string | undefined> : Slots<Words<P>>;

export interface ParsedArgv<O extends OptionsSpec, P extends string = string> {
  options: ParsedOptions<O>;
  positionals: Positionals<P>;
  order: Occurrence[];
}

/**
 * The positionals a usage pattern admits: `FILE` one, `[DOMAIN]` zero or one,
 * `FILE...` one or more, `[FILE...]` any number.
 */
export function arity(pattern: string): { min: number; max: number } {
  let min = 0;
  let max = 0;
  for (const token of pattern.split(/\s+/).filter(Boolean)) {
    const optional = token.startsWith("[");
    if (token.endsWith("...") || token.endsWith("...]")) max = Number.POSITIVE_INFINITY;
    else max += 1;
    if (!optional) min += 1;
  }
  return { min, max };
}

export function parseArgv<O extends OptionsSpec, P extends string = string>(
  argv: readonly string[],
  spec: O,
  positionals: { pattern: P; expect?: string },
): ParsedArgv<O, P> {
  const found: string[] = [];
  const order: Occurrence[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      found.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--") || arg === "-") {
      found.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const option = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!option) throw new UsageError(`unknown flag --${name}`);
    if (option.kind === "flag") {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      order.push({ name, value: true });
      continue;
    }
    const given = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
    if (given === undefined) throw new UsageError(`--${name} needs a value (${option.placeholder})`);
    if (option.choices && !option.choices.includes(given))
      throw new UsageError(`--${name} takes one of ${option.choices.join(", ")} (got "${given}")`);
    order.push({ name, value: given });
  }

  const options: Record<string, boolean | string | string[] | undefined> = {};
  for (const [name, option] of Object.entries(spec)) {
    const occurrences = order.filter((o) => o.name === name);
    if (option.kind === "flag") {
      options[name] = occurrences.length > 0;
      continue;
    }
    const values = occurrences.map((o) => o.value as string);
    if (option.required && values.length === 0) throw new UsageError(`--${name} is required`);
    if (option.repeat) options[name] = values;
    else if (values.length > 1) throw new UsageError(`--${name} given more than once`);
    else options[name] = values[0];
  }

  const { min, max } = arity(positionals.pattern);
  if (found.length < min || found.length > max) {
    const extra = found.length > max ? found[max] : undefined;
    throw new UsageError(
      extra !== undefined && max > 0
        ? `unexpected "${extra}"`
        : `expected ${positionals.expect ?? (positionals.pattern || "no arguments")}`,
    );
  }
  return { options: options as ParsedOptions<O>, positionals: found as Positionals<P>, order };
}

/**
 * Whether argv asks for the usage (`--help` or `-h` where an option may stand, not as the
 * value of one: `--search -h` searches for "-h").
 */
export function asksForHelp(argv: readonly string[], spec: OptionsSpec): boolean {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") return false;
    if (arg === "--help" || arg === "-h") return true;
    const name = arg.startsWith("--") && !arg.includes("=") ? arg.slice(2) : undefined;
    if (name !== undefined && Object.hasOwn(spec, name) && spec[name]?.kind === "value") i++;
  }
  return false;
}

/** `--out FILE`, `[--json]`, `[--to CERT.pem]...`, as the usage line shows each option. */
export function optionUsage(name: string, option: OptionSpec): string {
  if (option.kind === "flag") return `[--${name}]`;
  const text = `--${name} ${option.choices ? option.choices.join("|") : option.placeholder}`;
  if (option.required) return option.repeat ? `${text}...` : text;
  return option.repeat ? `[${text}]...` : `[${text}]`;
}

/** The usage line: `sealbox NAME ARGS options…` (required options first, then the rest, as declared). */
export function usageLine(name: string, pattern: string, spec: OptionsSpec): string {
  const entries = Object.entries(spec);
  const required = entries.filter(([, o]) => o.kind === "value" && o.required);
  const optional = entries.filter(([, o]) => !(o.kind === "value" && o.required));
  return ["sealbox", name, pattern, ...[...required, ...optional].map(([n, o]) => optionUsage(n, o))]
    .filter(Boolean)
    .join(" ");
}

/** `on`/`off` (also yes/no, true/false) for switches like --smime. */
export function onOff(given: string | undefined, flagName: string): boolean | undefined {
  if (given === undefined) return undefined;
  const v = given.toLowerCase();
  if (["on", "yes", "true", "1"].includes(v)) return true;
  if (["off", "no", "false", "0"].includes(v)) return false;
  throw new UsageError(`--${flagName} takes on or off (got "${given}")`);
}
