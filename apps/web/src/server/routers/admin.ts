import { WRITABLE_CIPHERS } from "@sealbox/core";
import {
  type Account,
  CA_CERTIFICATE_PATH,
  CRL_PATH,
  type Domain,
  keyDescription,
  parseAddress,
  REVOCATION_REASONS,
  type RevocationReason,
  readCertificateFile,
  StoreError,
} from "@sealbox/store";
import { z } from "zod";
import { storeErrorCode } from "../errors";
import { adminProcedure, router, serverAdminProcedure } from "../trpc";
import {
  ZAccountView,
  ZCaView,
  ZDirectoryEntry,
  ZDomainView,
  ZIssuedCertificate,
  ZKeyStatus,
  ZTrustAnchorView,
} from "./admin-outputs";
import { accountInScope, changeableAccount, domainInScope, isServerAdmin } from "./admin-scope";
import { base64File, fromBase64 } from "./fields";

const PFX_MAX = 1024 * 1024;
const CERTIFICATE_FILE_MAX = 256 * 1024;

const domainName = z.string().trim().min(1, "Enter a domain.").max(253);
const address = z.string().trim().min(3, "Enter an address.").max(320);
const role = z.enum(["user", "domain-admin", "server-admin"]);
/** A login password: what the store hashes (not empty, at most 1024 characters). */
const loginPasswordPair = z
  .object({
    newPassword: z.string().min(1, "Enter a password.").max(1024),
    reenterPassword: z.string().max(1024),
  })
  .refine((v) => v.newPassword === v.reenterPassword, {
    message: "The passwords do not match.",
    path: ["reenterPassword"],
  });

function domainView(d: Domain): z.infer<typeof ZDomainView> {
  return {
    name: d.name,
    smimeEnabled: d.smimeEnabled,
    directoryEnabled: d.directoryEnabled,
    unlockSeconds: d.unlockSeconds,
    defaultCipher: d.defaultCipher,
    allowedCiphers: [...d.allowedCiphers],
    hideSubject: d.hideSubjectWhenEncrypting,
  };
}

function accountView(a: Account): z.infer<typeof ZAccountView> {
  return {
    address: a.address,
    domain: a.domain,
    realName: a.realName,
    fromAddress: a.fromAddress,
    role: a.role,
    disabled: a.disabled,
    smime: a.smimeSetting,
    smimeEnabled: a.smimeEnabled,
  };
}

/**
 * Administration (the Admin pages): domains, accounts, the server CA, trust anchors and the
 * directory. Each procedure is scoped by admin-scope.ts: a domain administrator reaches only
 * their own domain and its accounts; the server CA and new domains are server-wide.
 */
export const adminRouter = router({
  /** The domains this administrator may see: all of them, or their own. */
  domains: adminProcedure
    .output(z.object({ serverAdmin: z.boolean(), domains: z.array(ZDomainView) }))
    .query(async ({ ctx }) => {
      const serverAdmin = isServerAdmin(ctx.session);
      const domains = serverAdmin
        ? await ctx.store.domains.list()
        : [await ctx.store.domains.require(ctx.session.account.domain)];
      return { serverAdmin, domains: domains.map(domainView) };
    }),

  domain: adminProcedure
    .input(z.object({ domain: domainName }))
    .output(ZDomainView.extend({ ciphers: z.array(z.string()) }))
    .query(async ({ ctx, input }) => {
      const domain = await ctx.store.domains.require(domainInScope(ctx.session, input.domain));
      return { ...domainView(domain), ciphers: [...WRITABLE_CIPHERS] };
    }),

  addDomain: serverAdminProcedure
    .input(z.object({ name: domainName, smimeEnabled: z.boolean(), directoryEnabled: z.boolean() }))
    .output(ZDomainView)
    .mutation(async ({ ctx, input }) => {
      const domain = await ctx.store.domains.add(input.name, {
        smimeEnabled: input.smimeEnabled,
        directoryEnabled: input.directoryEnabled,
      });
      return domainView(domain);
    }),

  setDomain: adminProcedure
    .input(
      z.object({
        domain: domainName,
        smimeEnabled: z.boolean().optional(),
        directoryEnabled: z.boolean().optional(),
        unlockSeconds: z
          .number()
          .int("Whole seconds.")
          .min(1)
          .max(7 * 24 * 3600)
          .optional(),
        defaultCipher: z.string().max(40).optional(),
        /** null: the default set (every writable cipher but legacy 3DES). */
        allowedCiphers: z
          .array(z.string().max(40))
          .min(1, "Allow at least one cipher.")
          .max(20)
          .nullable()
          .optional(),
        hideSubject: z.boolean().optional(),
      }),
    )
    .output(ZDomainView)
    .mutation(async ({ ctx, input }) => {
      const { domain, hideSubject, ...settings } = input;
      const updated = await ctx.store.domains.set(domainInScope(ctx.session, domain), {
        ...settings,
        ...(hideSubject === undefined ? {} : { hideSubjectWhenEncrypting: hideSubject }),
      });
      return domainView(updated);
    }),

  accounts: adminProcedure
    .input(z.object({ domain: domainName }))
    .output(z.array(ZAccountView))
    .query(async ({ ctx, input }) => {
      const accounts = await ctx.store.accounts.list(domainInScope(ctx.session, input.domain));
      return accounts.map(accountView);
    }),

  account: adminProcedure
    .input(z.object({ address }))
    .output(ZAccountView)
    .query(async ({ ctx, input }) =>
      accountView(await accountInScope(ctx.store, ctx.session, input.address)),
    ),

  /** A new account in an existing domain (add the domain first). */
  addAccount: adminProcedure
    .input(z.object({ address, realName: z.string().max(200), role }).and(loginPasswordPair))
    .output(ZAccountView)
    .mutation(async ({ ctx, input }) => {
      domainInScope(ctx.session, parseAddress(input.address).domain);
      if (input.role === "server-admin" && !isServerAdmin(ctx.session))
        throw new StoreError(
          "forbidden",
          "only a server administrator can make someone a server administrator",
          {
            field: "role",
          },
        );
      const { account } = await ctx.store.accounts.add(input.address, {
        password: input.newPassword,
        realName: input.realName,
        role: input.role,
      });
      return accountView(account);
    }),

  /** Disable or enable, change the role, switch S/MIME for the account. */
  setAccount: adminProcedure
    .input(
      z.object({
        address,
        disabled: z.boolean().optional(),
        role: role.optional(),
        smimeEnabled: z.boolean().optional(),
      }),
    )
    .output(ZAccountView)
    .mutation(async ({ ctx, input }) => {
      const { address: target, ...changes } = input;
      const account = await changeableAccount(ctx.store, ctx.session, target, changes);
      // Disabling ends the account's sessions (store does it in the same transaction).
      const updated = await ctx.store.accounts.set(account.address, changes);
      return accountView(updated);
    }),

  /** A new login password for the account; its sessions end (whoever had it is signed out). */
  setPassword: adminProcedure
    .input(z.object({ address }).and(loginPasswordPair))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      const account = await changeableAccount(ctx.store, ctx.session, input.address);
      if (account.id === ctx.session.account.id)
        throw new StoreError("forbidden", "change your own password in Settings → Password");
      // Store ends the account's sessions with the new password, in one transaction.
      await ctx.store.accounts.set(account.address, { password: input.newPassword });
      return { ok: true };
    }),

  /** The account's Secure Mail key as its certificate describes it; no key material. */
  keyStatus: adminProcedure
    .input(z.object({ address }))
    .output(ZKeyStatus)
    .query(async ({ ctx, input }) => {
      const account = await accountInScope(ctx.store, ctx.session, input.address);
      const s = await ctx.store.secureMail.status(account.id);
      return {
        hasKey: s.hasKey,
        subject: s.subject,
        issuer: s.issuer,
        serial: s.serial,
        notBefore: s.notBefore,
        notAfter: s.notAfter,
        key: keyDescription(s.keyAlgorithm, s.keySize),
        certificateSha256: s.certificateSha256,
        earlierKeys: s.earlierKeys,
        revoked: s.certificateSha256 ? await ctx.store.ca.isRevoked(s.certificateSha256) : false,
      };
    }),

  ca: serverAdminProcedure.output(ZCaView).query(async ({ ctx }) => {
    const ca = await ctx.store.ca.ensure();
    const c = ca.certificate;
    return {
      subject: c.subject,
      issuer: c.issuer,
      serial: c.serialHex,
      notBefore: c.notBefore.toISOString(),
      notAfter: c.notAfter.toISOString(),
      key: keyDescription(c.keyAlgorithm, c.keySize),
      sha256: c.sha256,
      source: ca.source,
      chain: ca.chain.map((x) => ({ subject: x.subject, sha256: x.sha256 })),
      crlDistributionPoint: ctx.store.ca.crlDistributionPoint,
      certificatePath: CA_CERTIFICATE_PATH,
      crlPath: CRL_PATH,
    };
  }),

  /** Installs a corporate CA (or intermediate) with its key from a PFX; the previous CA stays trusted. */
  installCa: serverAdminProcedure
    .input(
      z.object({ pfx: base64File(PFX_MAX).min(1, "Choose a PFX file."), filePassword: z.string().max(1000) }),
    )
    .output(z.object({ subject: z.string(), sha256: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const ca = await ctx.store.ca.install(fromBase64(input.pfx), input.filePassword);
      return { subject: ca.certificate.subject, sha256: ca.certificate.sha256 };
    }),

  issued: serverAdminProcedure
    .output(z.array(ZIssuedCertificate))
    .query(async ({ ctx }) => ctx.store.ca.issuedCertificates()),

  revoke: serverAdminProcedure
    .input(
      z.object({
        by: z.enum(["account", "serial", "sha256"]),
        value: z.string().trim().min(1, "Enter what to revoke.").max(400),
        reason: z.enum(REVOCATION_REASONS as [RevocationReason, ...RevocationReason[]]),
      }),
    )
    .output(ZIssuedCertificate)
    .mutation(async ({ ctx, input }) => {
      const target =
        input.by === "account"
          ? { account: input.value }
          : input.by === "serial"
            ? { serial: input.value }
            : { sha256: input.value };
      return ctx.store.ca.revokeCertificate(target, input.reason);
    }),

  /** What signatures in the domain are verified against: the server CA, server-wide anchors, the domain's own. */
  trustAnchors: adminProcedure
    .input(z.object({ domain: domainName }))
    .output(z.array(ZTrustAnchorView))
    .query(async ({ ctx, input }) => {
      const anchors = await ctx.store.trustAnchors.list(domainInScope(ctx.session, input.domain));
      return anchors.map((a) => ({
        subject: a.subject,
        sha256: a.sha256,
        scope: a.source === "server-ca" ? "server-ca" : a.domain === null ? "server-wide" : "domain",
      }));
    }),

  /** Trusts the CA certificates of an uploaded file (PEM, one or more; or DER) for the domain. */
  addTrustAnchor: adminProcedure
    .input(z.object({ domain: domainName, file: base64File(CERTIFICATE_FILE_MAX).min(1, "Choose a file.") }))
    .output(
      z.object({
        added: z.array(z.object({ subject: z.string(), sha256: z.string() })),
        alreadyTrusted: z.array(z.object({ subject: z.string(), sha256: z.string() })),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const domain = domainInScope(ctx.session, input.domain);
      const certificates = readCertificateFile(fromBase64(input.file));
      const added: Array<{ subject: string; sha256: string }> = [];
      const alreadyTrusted: Array<{ subject: string; sha256: string }> = [];
      for (const c of certificates) {
        const entry = { subject: c.subject, sha256: c.sha256 };
        try {
          await ctx.store.trustAnchors.add(domain, c);
          added.push(entry);
        } catch (error) {
          if (storeErrorCode(error) !== "conflict") throw error;
          alreadyTrusted.push(entry);
        }
      }
      return { added, alreadyTrusted };
    }),

  removeTrustAnchor: adminProcedure
    .input(z.object({ domain: domainName, sha256: z.string().trim().min(1).max(100) }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.store.trustAnchors.removeBySha256(domainInScope(ctx.session, input.domain), input.sha256);
      return { ok: true };
    }),

  /** Which local addresses of the domain have a certificate in the directory now. */
  directory: adminProcedure
    .input(z.object({ domain: domainName }))
    .output(z.object({ enabled: z.boolean(), entries: z.array(ZDirectoryEntry) }))
    .query(async ({ ctx, input }) => {
      const name = domainInScope(ctx.session, input.domain);
      const domain = await ctx.store.domains.require(name);
      const entries = await ctx.store.listDirectory(name);
      return { enabled: domain.directoryEnabled && domain.smimeEnabled, entries };
    }),
});
