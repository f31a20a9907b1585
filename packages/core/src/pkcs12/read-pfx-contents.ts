import type { KeyObject } from "node:crypto";
import { type BerContext, berContext, readRoot } from "../asn1/ber-reader.js";
import { CoreError, isCoreError } from "../errors.js";
import { type Certificate, parseCertificate } from "../pki/certificate.js";
import { loadPrivateKeyInfo } from "./encrypted-private-key-info.js";
import { KdfBudget } from "./kdf-budget.js";
import { type PasswordForm, passwordForms, preferForm, wipeForms } from "./password-forms.js";
import { passwordInputs, pbeDecrypt } from "./pbe-cipher.js";
import { describePbe, type PbeScheme, pbeCost } from "./pbe-scheme.js";
import { macCost, macInput, verifyMac } from "./pfx-mac.js";
import { type PfxMac, type PfxStructure, readPfxStructure } from "./pfx-structure.js";
import { type BagAttributes, readSafeContents, type SafeBag } from "./safe-bags.js";

export interface PfxKey {
  key: KeyObject;
  attributes: BagAttributes;
  /** How the key was protected in the file, e.g. "AES-256-CBC (PBKDF2-HMAC-SHA256, 2048 iterations)". */
  protection: string;
}

export interface PfxCertificate {
  certificate: Certificate;
  attributes: BagAttributes;
  protection: string;
}

export interface PfxContents {
  keys: PfxKey[];
  certificates: PfxCertificate[];
  /** "HMAC-SHA256 (2048 iterations)", "PBMAC1 …" or "none". */
  mac: string;
  /** Some encrypted content did not decrypt with this password (it may hold the certificate). */
  undecrypted: number;
  /** Unsupported algorithms met in parts that were skipped. */
  unsupported: string[];
  /** Facts a user may want to know (legacy password encoding, no MAC). */
  notes: string[];
}

export interface ReadPfxOptions {
  /** Total KDF work allowed, in hash iterations (default 10,000,000). */
  maxKdfIterations?: number;
}

const NONE = "none";

/**
 * Opens a PFX with a password and decides the outcome in this order:
 * `corrupt` (not a PFX) → the MAC; if it fails, the key bags are tried anyway: no key
 * decrypts → `wrong-password`, one does → `integrity`; without a MAC, bad padding or an
 * unparsable key → `wrong-password`; then `unsupported-algorithm`; then `no-key`.
 * Pairing keys with certificates is the caller's job.
 */
export function readPfxContents(
  bytes: Uint8Array,
  password: string,
  options: ReadPfxOptions = {},
): PfxContents {
  const pfx = readPfxStructure(bytes);
  const budget = new KdfBudget(options.maxKdfIterations);
  const forms = passwordForms(password);
  try {
    return open(pfx, forms, budget);
  } finally {
    wipeForms(forms);
  }
}

function open(pfx: PfxStructure, forms: PasswordForm[], budget: KdfBudget): PfxContents {
  const ctx = berContext({ maxNodes: 200_000 });
  const unsupported: string[] = [];
  const notes: string[] = [];
  const bags: Array<{ bag: SafeBag; container: string }> = [];
  // Plain SafeContents are part of the unencrypted structure: damage there means "corrupt".
  let declared = macCost(pfx.mac);
  for (const c of pfx.containers) {
    if (c.kind === "data") {
      try {
        for (const bag of readSafeContents(c.safeContents, readRoot(c.safeContents, ctx), ctx))
          bags.push({ bag, container: NONE });
      } catch (error) {
        throw new CoreError("corrupt", `not a PKCS#12 (PFX) file: ${(error as Error).message}`, {
          cause: error,
        });
      }
    } else if (c.kind === "encrypted") declared += pbeCost(c.scheme);
  }
  for (const { bag } of bags) if (bag.kind === "shrouded-key") declared += pbeCost(bag.epki.scheme);
  // Refuse up front what the file itself declares beyond the budget, before any hashing.
  if (!budget.canAfford(declared)) budget.charge(declared, "this PFX");

  const macResult = checkMac(pfx, forms, budget);
  if (macResult.status === "unsupported") unsupported.push(macResult.name);
  if (macResult.status === "absent") notes.push("the file has no integrity MAC");
  if (macResult.form && macResult.form.label !== "standard")
    notes.push(`the MAC matched the password in its "${macResult.form.label}" encoding`);
  const ordered = preferForm(forms, macResult.form);
  // After a failed MAC the password is most likely wrong: skip the alternative encodings
  // (they only rescue odd files whose MAC would have matched them), and stop at the keys.
  const retries = macResult.status !== "failed";
  const state: OpenState = { keys: [], certificates: [], keyFailures: 0, unsupported, notes };
  const plainBags = bags.splice(0);

  if (macResult.status === "failed") {
    loadKeys(plainBags, state, ordered, budget, retries);
    const shrouded = plainBags.some(({ bag }) => bag.kind === "shrouded-key");
    if (!shrouded && state.keys.length === 0)
      loadKeys(
        decryptContainers(pfx, state, ordered, budget, retries, ctx).bags,
        state,
        ordered,
        budget,
        retries,
      );
    // A key that only opened with this password shows the password is right; a key stored
    // in the clear proves nothing about it, so then a wrong password is the likelier cause.
    if (state.keys.some((k) => k.protection !== NONE))
      throw new CoreError(
        "integrity",
        "the file's integrity check (MAC) failed although the password decrypts its key: the file was altered or damaged",
      );
    throw new CoreError(
      "wrong-password",
      "the password is wrong (the file's MAC and key do not open with it)",
    );
  }

  const decrypted = decryptContainers(pfx, state, ordered, budget, retries, ctx);
  loadKeys([...plainBags, ...decrypted.bags], state, ordered, budget, retries);
  const { keys, certificates, keyFailures } = state;
  if (keys.length === 0 && (keyFailures > 0 || decrypted.failures > 0))
    throw new CoreError("wrong-password", "the password is wrong (the private key does not decrypt with it)");
  if (macResult.status === "unsupported" || (keys.length === 0 && unsupported.length > 0))
    throw new CoreError("unsupported-algorithm", `unsupported algorithm: ${unique(unsupported).join(", ")}`);
  if (keys.length === 0) throw new CoreError("no-key", "the file holds no private key");
  return {
    keys,
    certificates,
    mac: describeMac(pfx.mac),
    undecrypted: decrypted.failures,
    unsupported: unique(unsupported),
    notes,
  };
}

interface OpenState {
  keys: PfxKey[];
  certificates: PfxCertificate[];
  keyFailures: number;
  unsupported: string[];
  notes: string[];
}

type LocatedBag = { bag: SafeBag; container: string };

/** Decrypts the EncryptedData containers (RFC 7292 §4.1 password privacy) into their bags. */
function decryptContainers(
  pfx: PfxStructure,
  state: OpenState,
  forms: PasswordForm[],
  budget: KdfBudget,
  retries: boolean,
  ctx: BerContext,
): { bags: LocatedBag[]; failures: number } {
  const bags: LocatedBag[] = [];
  let failures = 0;
  for (const c of pfx.containers) {
    if (c.kind === "unsupported") state.unsupported.push(c.name);
    if (c.kind !== "encrypted") continue;
    if (c.scheme.kind === "unsupported") {
      state.unsupported.push(c.scheme.name);
      continue;
    }
    const scheme = c.scheme;
    const inner = tryDecrypt(scheme, c.ciphertext, forms, budget, retries, (plain) => {
      try {
        return readSafeContents(plain, readRoot(plain, ctx), ctx);
      } catch (error) {
        if (isCoreError(error, "limit-exceeded")) throw error;
        return undefined;
      }
    });
    if (!inner) failures++;
    else for (const bag of inner) bags.push({ bag, container: describePbe(scheme) });
  }
  return { bags, failures };
}

/** Loads keyBags, decrypts pkcs8ShroudedKeyBags (RFC 7292 §4.2.1–§4.2.2), parses certBags. */
function loadKeys(
  bags: LocatedBag[],
  state: OpenState,
  forms: PasswordForm[],
  budget: KdfBudget,
  retries: boolean,
): void {
  for (const { bag, container } of bags) {
    if (bag.kind === "key") {
      const loaded = loadPrivateKeyInfo(bag.pkcs8);
      if (container !== NONE) bag.pkcs8.fill(0); // our decrypted copy; the KeyObject holds its own
      if (loaded.ok) state.keys.push({ key: loaded.key, attributes: bag.attributes, protection: container });
      else if (loaded.reason === "unsupported") state.unsupported.push(loaded.name);
      else state.keyFailures++;
    } else if (bag.kind === "shrouded-key") {
      const scheme = bag.epki.scheme;
      if (scheme.kind === "unsupported") {
        state.unsupported.push(scheme.name);
        continue;
      }
      const loaded = tryDecrypt(scheme, bag.epki.encryptedData, forms, budget, retries, (plain) => {
        const result = loadPrivateKeyInfo(plain);
        plain.fill(0);
        return result.ok || result.reason === "unsupported" ? result : undefined;
      });
      if (!loaded) state.keyFailures++;
      else if (loaded.ok)
        state.keys.push({ key: loaded.key, attributes: bag.attributes, protection: describePbe(scheme) });
      else if (loaded.reason === "unsupported") state.unsupported.push(loaded.name);
    } else if (bag.kind === "cert") {
      try {
        state.certificates.push({
          certificate: parseCertificate(bag.der),
          attributes: bag.attributes,
          protection: container,
        });
      } catch {
        state.notes.push("a certificate in the file could not be parsed and was skipped");
      }
    }
  }
}

type MacResult =
  | { status: "ok"; form: PasswordForm }
  | { status: "failed" | "absent"; form?: undefined }
  | { status: "unsupported"; name: string; form?: undefined };

function checkMac(pfx: PfxStructure, forms: PasswordForm[], budget: KdfBudget): MacResult {
  const mac = pfx.mac;
  if (!mac) return { status: "absent" };
  if (mac.kind === "unsupported") return { status: "unsupported", name: mac.name };
  const cost = macCost(mac);
  const tried = new Set<string>();
  for (const form of forms) {
    const input = macInput(mac, form);
    const key = input.toString("hex");
    if (tried.has(key)) continue;
    // The first attempt is owed; retries in other encodings only while the budget allows.
    if (tried.size > 0 && !budget.canAfford(cost)) break;
    tried.add(key);
    budget.charge(cost, "the PFX MAC");
    if (verifyMac(mac, pfx.authSafe, input)) return { status: "ok", form };
  }
  return { status: "failed" };
}

/**
 * Decrypts with each password encoding in turn until `accept` takes the plaintext (the
 * padding check alone passes for 1 in 256 wrong keys, so the content must also parse).
 */
function tryDecrypt<T>(
  scheme: Exclude<PbeScheme, { kind: "unsupported" }>,
  ciphertext: Uint8Array,
  forms: PasswordForm[],
  budget: KdfBudget,
  retries: boolean,
  accept: (plaintext: Buffer) => T | undefined,
): T | undefined {
  const cost = pbeCost(scheme);
  const tried = new Set<string>();
  for (const form of forms) {
    const inputs = passwordInputs(scheme, form);
    for (const input of retries ? inputs : inputs.slice(0, 1)) {
      const id = input.toString("hex");
      if (tried.has(id)) continue;
      if (tried.size > 0 && !budget.canAfford(cost)) return undefined;
      tried.add(id);
      budget.charge(cost, describePbe(scheme));
      let plain: Buffer;
      try {
        plain = pbeDecrypt(scheme, input, ciphertext);
      } catch (error) {
        if (isCoreError(error, "decryption-failed")) continue;
        throw error;
      }
      const result = accept(plain);
      if (result !== undefined) return result;
      plain.fill(0);
    }
  }
  return undefined;
}

export function describeMac(mac: PfxMac | undefined): string {
  if (!mac) return NONE;
  if (mac.kind === "unsupported") return mac.name;
  if (mac.kind === "classic")
    return `HMAC-${mac.digest.name.replace("-", "")} (${mac.iterations} iterations)`;
  return `PBMAC1 HMAC-${mac.hmac.name.replace("-", "")} (PBKDF2-HMAC-${mac.kdf.prf.name.replace("-", "")}, ${mac.kdf.iterations} iterations)`;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
