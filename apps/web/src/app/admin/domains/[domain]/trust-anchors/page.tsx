import { domainPage } from "~/components/admin/domain-page";
import { TrustAnchorsView } from "~/components/admin/TrustAnchorsView";

export default function Page({ params }: { params: Promise<{ domain: string }> }) {
  return domainPage(params, "trust-anchors", (domain) => <TrustAnchorsView domain={domain} />);
}
