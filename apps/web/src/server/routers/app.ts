import { router } from "../trpc";
import { adminRouter } from "./admin";
import { authRouter } from "./auth";
import { bulkRouter } from "./bulk";
import { composeRouter } from "./compose";
import { contactsRouter } from "./contacts";
import { mailRouter } from "./mail";
import { rulesRouter } from "./rules";
import { secureMailRouter } from "./secure-mail";
import { settingsRouter } from "./settings";
import { systemRouter } from "./system";

export const appRouter = router({
  system: systemRouter,
  auth: authRouter,
  mail: mailRouter,
  bulk: bulkRouter,
  secureMail: secureMailRouter,
  compose: composeRouter,
  contacts: contactsRouter,
  settings: settingsRouter,
  rules: rulesRouter,
  admin: adminRouter,
});

export type AppRouter = typeof appRouter;
