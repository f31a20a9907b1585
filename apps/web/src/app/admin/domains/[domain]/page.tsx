import { DomainSettingsForm } from "~/components/admin/DomainSettingsForm";
import { domainPage } from "~/components/admin/domain-page";

export default function Page({ params }: { params: Promise<{ domain: string }> }) {
  return domainPage(params, "", (domain) => <DomainSettingsForm domain={domain} />);
}
