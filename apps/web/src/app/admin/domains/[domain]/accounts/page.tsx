import { AccountsView } from "~/components/admin/AccountsView";
import { domainPage } from "~/components/admin/domain-page";

export default function Page({ params }: { params: Promise<{ domain: string }> }) {
  return domainPage(params, "accounts", (domain) => <AccountsView domain={domain} />);
}
