import type { StoreContext } from "../context.js";
import { changePasswordUseCase } from "./change-password.js";
import { currentCertificateUseCase } from "./current-certificate.js";
import { exportKeyUseCase } from "./export-key.js";
import { generateKeyUseCase } from "./generate-key.js";
import { importKeyUseCase } from "./import-key.js";
import { keyAccessUseCases } from "./key-access.js";
import { keyStatusUseCase } from "./key-status.js";
import type { PasswordGuard } from "./password-guard.js";
import { passwordProof } from "./password-proof.js";
import { removeKeyUseCase } from "./remove-key.js";
import { renewKeyUseCase } from "./renew-key.js";
import type { ServerCa } from "./server-ca.js";
import { unlockSessionUseCases } from "./unlock-sessions.js";

export type { GeneratedKeyAlgorithm } from "./generate-key.js";
export type { SecureMailStatus } from "./key-status.js";

/**
 * The account's Secure Mail key: a current certificate + chain + sealed key, and earlier
 * keys kept so old mail still decrypts, all sealed under the one Secure Mail Password. Every
 * password check goes through the shared rate limit. One file per operation beside this one;
 * this only puts them together.
 */
export function secureMailUseCases(ctx: StoreContext, deps: { ca: ServerCa; guard: PasswordGuard }) {
  const { ca } = deps;
  const proof = passwordProof(ctx, deps.guard);
  const unlockSessions = unlockSessionUseCases(ctx, { identities: proof.identitiesWithPassword });
  const status = keyStatusUseCase(ctx);
  const generate = generateKeyUseCase(ctx, { ca, proof, status });
  const access = keyAccessUseCases(ctx, { proof, unlockSessions });
  return {
    status,
    importPfx: importKeyUseCase(ctx, { ca, proof, status }),
    generate,
    renew: renewKeyUseCase(ctx, { generate }),
    exportPfx: exportKeyUseCase(ctx, { proof, unlockSessions }),
    changePassword: changePasswordUseCase(ctx, { proof, unlockSessions }),
    remove: removeKeyUseCase(ctx, { ca }),
    identities: access.identities,
    verifyPassword: access.verifyPassword,
    /** Unlocks the keys for a signed-in session for the domain's unlock lifetime. */
    unlock: unlockSessions.unlock,
    lock: unlockSessions.lock,
    lockState: unlockSessions.state,
    storedUnlocks: unlockSessions.storedUnlocks,
    /** Wrong Secure Mail Passwords that count against the account now (the shared rate limit). */
    passwordFailures: deps.guard.recentFailures,
    currentCertificate: currentCertificateUseCase(ctx),
  };
}

export type SecureMail = ReturnType<typeof secureMailUseCases>;
