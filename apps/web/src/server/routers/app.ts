import { router } from "../trpc";
import { authRouter } from "./auth";
import { composeRouter } from "./compose";
import { contactsRouter } from "./contacts";
import { mailRouter } from "./mail";
import { secureMailRouter } from "./secure-mail";
import { systemRouter } from "./system";

export const appRouter = router({
  system: systemRouter,
  auth: authRouter,
  mail: mailRouter,
  secureMail: secureMailRouter,
  compose: composeRouter,
  contacts: contactsRouter,
});

export type AppRouter = typeof appRouter;
