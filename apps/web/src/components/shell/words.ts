/** The shared Secure Mail wording (store's words module, loadable in the browser). */
export { fingerprintText, timeLeft as timeLeftText, WORDS } from "@sealbox/store/words";

import { WORDS } from "@sealbox/store/words";

export const WORDS_LOCKED = WORDS.locked;
export const WORDS_UNLOCKED = WORDS.unlocked;
export const WORDS_VERIFIED_BY = WORDS.verifiedBy;
export const WORDS_ENCRYPTED = WORDS.encrypted;
export const WORDS_FORGOTTEN_PASSWORD = WORDS.forgottenPassword;
