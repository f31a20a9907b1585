export { domainWithin, mailDomain, normaliseDomain, sameDomain } from "./domain.js";
export {
  type AddressParts,
  matchAddress,
  normaliseAddress,
  sameAddress,
  splitAddress,
} from "./mail-address.js";
