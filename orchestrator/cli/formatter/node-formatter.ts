// `docker node ls` rows and `docker node inspect --pretty` (docker's cli/command/node/formatter.go).
import type { Node, SystemInfo } from '../../api/engine-types.js';
import { goEmbedded, goTypeName } from '../text/go-template.js';
import { bytesSize, goTimeString, prettyPrint } from '../text/units.js';
import { HeaderContext, SubContext } from './format-context.js';

/** The default `docker node ls` table. */
export const defaultNodeTableFormat =
  'table {{.ID}} {{if .Self}}*{{else}} {{ end }}\t{{.Hostname}}\t{{.Status}}\t{{.Availability}}\t{{.ManagerStatus}}\t{{.EngineVersion}}';

/** docker's `docker node inspect --pretty` template. */
export const nodeInspectPrettyTemplate = `ID:\t\t\t{{.ID}}
{{- if .Name }}
Name:\t\t\t{{.Name}}
{{- end }}
{{- if .Labels }}
Labels:
{{- range $k, $v := .Labels }}
 - {{ $k }}{{if $v }}={{ $v }}{{ end }}
{{- end }}{{ end }}
Hostname:              \t{{.Hostname}}
Joined at:             \t{{.CreatedAt}}
Status:
 State:\t\t\t{{.StatusState}}
 {{- if .HasStatusMessage}}
 Message:              \t{{.StatusMessage}}
 {{- end}}
 Availability:         \t{{.SpecAvailability}}
 {{- if .Status.Addr}}
 Address:\t\t{{.StatusAddr}}
 {{- end}}
{{- if .HasManagerStatus}}
Manager Status:
 Address:\t\t{{.ManagerStatusAddr}}
 Raft Status:\t\t{{.ManagerStatusReachability}}
 {{- if .IsManagerStatusLeader}}
 Leader:\t\tYes
 {{- else}}
 Leader:\t\tNo
 {{- end}}
{{- end}}
Platform:
 Operating System:\t{{.PlatformOS}}
 Architecture:\t\t{{.PlatformArchitecture}}
Resources:
 CPUs:\t\t\t{{.ResourceNanoCPUs}}
 Memory:\t\t{{.ResourceMemory}}
{{- if .HasEnginePlugins}}
Plugins:
{{- range $k, $v := .EnginePlugins }}
 {{ $k }}:{{if $v }}\t\t{{ $v }}{{ end }}
{{- end }}
{{- end }}
Engine Version:\t\t{{.EngineVersion}}
{{- if .EngineLabels}}
Engine Labels:
{{- range $k, $v := .EngineLabels }}
 - {{ $k }}{{if $v }}={{ $v }}{{ end }}
{{- end }}{{- end }}
{{- if .HasTLSInfo}}
TLS Info:
 TrustRoot:
{{.TLSInfoTrustRoot}}
 Issuer Subject:\t{{.TLSInfoCertIssuerSubject}}
 Issuer Public Key:\t{{.TLSInfoCertIssuerPublicKey}}
{{- end}}`;

/** The --format value for `docker node ls` (docker's node.NewFormat). */
export function nodeListFormat(source: string, quiet: boolean): string {
  if (source === 'table') return quiet ? '{{.ID}}' : defaultNodeTableFormat;
  if (source === 'raw') {
    return quiet
      ? 'node_id: {{.ID}}'
      : 'node_id: {{.ID}}\\nhostname: {{.Hostname}}\\nstatus: {{.Status}}\\navailability: {{.Availability}}\\nmanager_status: {{.ManagerStatus}}\\n';
  }
  return source;
}

/** The header of the node table. */
export const nodeHeader = new HeaderContext({
  ID: 'ID',
  Self: '',
  Hostname: 'HOSTNAME',
  Status: 'STATUS',
  Availability: 'AVAILABILITY',
  ManagerStatus: 'MANAGER STATUS',
  EngineVersion: 'ENGINE VERSION',
  TLSStatus: 'TLS STATUS',
});

function sameTLS(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
}

function emptyTLS(tls: unknown): boolean {
  if (!tls) return true;
  return Object.values(tls as Record<string, unknown>).every(
    (v) => v === undefined || v === null || v === '',
  );
}

/** One row of `docker node ls`. */
export class NodeContext extends SubContext {
  readonly [goTypeName] = '*node.nodeContext';
  constructor(
    private readonly node: Node,
    private readonly info: SystemInfo['Swarm'],
  ) {
    super();
  }
  ID(): string {
    return this.node.ID ?? '';
  }
  Self(): boolean {
    return this.node.ID === this.info?.NodeID;
  }
  Hostname(): string {
    return this.node.Description?.Hostname ?? '';
  }
  Status(): string {
    return prettyPrint(this.node.Status?.State ?? '');
  }
  Availability(): string {
    return prettyPrint(this.node.Spec?.Availability ?? '');
  }
  ManagerStatus(): string {
    let reachability = '';
    if (this.node.ManagerStatus)
      reachability = this.node.ManagerStatus.Leader ? 'Leader' : (this.node.ManagerStatus.Reachability ?? '');
    return prettyPrint(reachability);
  }
  TLSStatus(): string {
    const clusterTLS = this.info?.Cluster?.TLSInfo;
    const nodeTLS = this.node.Description?.TLSInfo;
    if (!this.info?.Cluster || emptyTLS(clusterTLS) || emptyTLS(nodeTLS)) return 'Unknown';
    return sameTLS(nodeTLS, clusterTLS) ? 'Ready' : 'Needs Rotation';
  }
  EngineVersion(): string {
    return this.node.Description?.Engine?.EngineVersion ?? '';
  }
}

/** The `docker node inspect --pretty` context (embeds the node, as docker's nodeInspectContext). */
export class NodeInspectContext extends SubContext {
  readonly [goTypeName] = '*node.nodeInspectContext';
  readonly [goEmbedded]: Node;
  constructor(private readonly node: Node) {
    super();
    this[goEmbedded] = node;
  }
  ID(): string {
    return this.node.ID ?? '';
  }
  Name(): string {
    return this.node.Spec?.Name ?? '';
  }
  Labels(): Record<string, string> {
    return this.node.Spec?.Labels ?? {};
  }
  Hostname(): string {
    return this.node.Description?.Hostname ?? '';
  }
  CreatedAt(): string {
    return prettyPrint(goTimeString(this.node.CreatedAt ?? ''));
  }
  StatusState(): string {
    return prettyPrint(this.node.Status?.State ?? '');
  }
  HasStatusMessage(): boolean {
    return Boolean(this.node.Status?.Message);
  }
  StatusMessage(): string {
    return prettyPrint(this.node.Status?.Message ?? '');
  }
  SpecAvailability(): string {
    return prettyPrint(this.node.Spec?.Availability ?? '');
  }
  HasStatusAddr(): boolean {
    return Boolean(this.node.Status?.Addr);
  }
  StatusAddr(): string {
    return this.node.Status?.Addr ?? '';
  }
  HasManagerStatus(): boolean {
    return Boolean(this.node.ManagerStatus);
  }
  ManagerStatusAddr(): string {
    return this.node.ManagerStatus?.Addr ?? '';
  }
  ManagerStatusReachability(): string {
    return prettyPrint(this.node.ManagerStatus?.Reachability ?? '');
  }
  IsManagerStatusLeader(): boolean {
    return Boolean(this.node.ManagerStatus?.Leader);
  }
  PlatformOS(): string {
    return this.node.Description?.Platform?.OS ?? '';
  }
  PlatformArchitecture(): string {
    return this.node.Description?.Platform?.Architecture ?? '';
  }
  ResourceNanoCPUs(): number {
    return Math.trunc((this.node.Description?.Resources?.NanoCPUs ?? 0) / 1e9);
  }
  ResourceMemory(): string {
    const memory = this.node.Description?.Resources?.MemoryBytes ?? 0;
    return memory === 0 ? '' : bytesSize(memory);
  }
  HasEnginePlugins(): boolean {
    return (this.node.Description?.Engine?.Plugins ?? []).length > 0;
  }
  EnginePlugins(): Record<string, string> {
    const byType: Record<string, string[]> = {};
    for (const plugin of this.node.Description?.Engine?.Plugins ?? []) {
      const type = plugin.Type ?? '';
      (byType[type] ??= []).push(plugin.Name ?? '');
    }
    return Object.fromEntries(Object.entries(byType).map(([type, names]) => [type, names.join(', ')]));
  }
  EngineLabels(): Record<string, string> {
    return this.node.Description?.Engine?.Labels ?? {};
  }
  EngineVersion(): string {
    return this.node.Description?.Engine?.EngineVersion ?? '';
  }
  HasTLSInfo(): boolean {
    return !emptyTLS(this.node.Description?.TLSInfo);
  }
  TLSInfoTrustRoot(): string {
    return this.node.Description?.TLSInfo?.TrustRoot ?? '';
  }
  TLSInfoCertIssuerPublicKey(): string {
    return this.node.Description?.TLSInfo?.CertIssuerPublicKey ?? '';
  }
  TLSInfoCertIssuerSubject(): string {
    return this.node.Description?.TLSInfo?.CertIssuerSubject ?? '';
  }
}
