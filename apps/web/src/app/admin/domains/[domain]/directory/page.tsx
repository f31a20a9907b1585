import { DirectoryView } from "~/components/admin/DirectoryView";
import { domainPage } from "~/components/admin/domain-page";

export default function Page({ params }: { params: Promise<{ domain: string }> }) {
  return domainPage(params, "directory", (domain) => <DirectoryView domain={domain} />);
}
