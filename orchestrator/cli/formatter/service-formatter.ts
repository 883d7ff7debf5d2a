// `docker service ls` rows and `docker service inspect --pretty` (docker's cli/command/service/formatter.go).
import type { Service } from '../../api/engine-types.js';
import { GoFloat, type GoStringer, goEmbedded, goTypeName } from '../text/go-template.js';
import { imageForDisplay } from '../text/image-reference.js';
import { bytesSize, formatGoDuration, humanDuration, sinceNanos, truncateId } from '../text/units.js';
import { HeaderContext, SubContext } from './format-context.js';

/** The default `docker service ls` table. */
export const defaultServiceTableFormat =
  'table {{.ID}}\t{{.Name}}\t{{.Mode}}\t{{.Replicas}}\t{{.Image}}\t{{.Ports}}';

/** docker's service.NewListFormat. */
export function serviceListFormat(source: string, quiet: boolean): string {
  if (source === 'table') return quiet ? '{{.ID}}' : defaultServiceTableFormat;
  if (source === 'raw') {
    return quiet
      ? 'id: {{.ID}}'
      : 'id: {{.ID}}\\nname: {{.Name}}\\nmode: {{.Mode}}\\nreplicas: {{.Replicas}}\\nimage: {{.Image}}\\nports: {{.Ports}}\\n';
  }
  return source;
}

/** The header of the service table. */
export const serviceHeader = new HeaderContext({
  ID: 'ID',
  Name: 'NAME',
  Mode: 'MODE',
  Replicas: 'REPLICAS',
  Image: 'IMAGE',
  Ports: 'PORTS',
});

interface PortRange {
  pStart: number;
  pEnd: number;
  tStart: number;
  tEnd: number;
  protocol: string;
}

function portRangeText(range: PortRange): string {
  const published = range.pEnd > range.pStart ? `${range.pStart}-${range.pEnd}` : String(range.pStart);
  const target = range.tEnd > range.tStart ? `${range.tStart}-${range.tEnd}` : String(range.tStart);
  return `*:${published}->${target}/${range.protocol}`;
}

/** Ingress ports grouped into ranges as docker prints them ("*:80-81->80-81/tcp"). */
export function formatServicePorts(ports: NonNullable<Service['Endpoint']>['Ports'] | undefined): string {
  if (!ports) return '';
  const sorted = [...ports].sort((a, b) => {
    if ((a.Protocol ?? '') === (b.Protocol ?? '')) return (a.PublishedPort ?? 0) - (b.PublishedPort ?? 0);
    return (a.Protocol ?? '') < (b.Protocol ?? '') ? -1 : 1;
  });
  const out: string[] = [];
  let range: PortRange = { pStart: 0, pEnd: 0, tStart: 0, tEnd: 0, protocol: '' };
  // Go computes these differences on uint32: a smaller port wraps around to a huge gap.
  const gap = (a: number, b: number) => (a - b) >>> 0;
  for (const port of sorted) {
    if (port.PublishMode !== 'ingress') continue;
    const published = port.PublishedPort ?? 0;
    const target = port.TargetPort ?? 0;
    const isRange = range.tEnd !== range.tStart;
    const overlaps = target <= range.tEnd;
    if (
      (port.Protocol ?? '') !== range.protocol ||
      gap(published, range.pEnd) > 1 ||
      gap(target, range.tEnd) > 1 ||
      (isRange && overlaps)
    ) {
      if (range.pStart > 0) out.push(portRangeText(range));
      range = {
        pStart: published,
        pEnd: published,
        tStart: target,
        tEnd: target,
        protocol: port.Protocol ?? '',
      };
      continue;
    }
    range.pEnd = published;
    range.tEnd = target;
  }
  if (range.pStart > 0) out.push(portRangeText(range));
  return out.join(', ');
}

/** One row of `docker service ls`. */
export class ServiceContext extends SubContext {
  readonly [goTypeName] = '*service.serviceContext';
  constructor(private readonly service: Service) {
    super();
  }
  ID(): string {
    return truncateId(this.service.ID ?? '');
  }
  Name(): string {
    return this.service.Spec?.Name ?? '';
  }
  Mode(): string {
    const mode = (this.service.Spec?.Mode ?? {}) as Record<string, unknown>;
    if (mode.Global) return 'global';
    if (mode.Replicated) return 'replicated';
    if (mode.ReplicatedJob) return 'replicated job';
    if (mode.GlobalJob) return 'global job';
    return '';
  }
  Replicas(): string {
    const status = this.service.ServiceStatus;
    const running = status?.RunningTasks ?? 0;
    const desired = status?.DesiredTasks ?? 0;
    const completed = (status as { CompletedTasks?: number } | undefined)?.CompletedTasks ?? 0;
    const mode = (this.service.Spec?.Mode ?? {}) as {
      ReplicatedJob?: { TotalCompletions?: number };
      GlobalJob?: object;
    };
    if (mode.ReplicatedJob) {
      return `${running}/${desired} (${completed}/${mode.ReplicatedJob.TotalCompletions ?? 0} completed)`;
    }
    if (mode.GlobalJob) return `${running}/${desired} (${completed}/${desired + completed} completed)`;
    const maxReplicas =
      this.Mode() === 'replicated' ? (this.service.Spec?.TaskTemplate?.Placement?.MaxReplicas ?? 0) : 0;
    if (maxReplicas > 0) return `${running}/${desired} (max ${maxReplicas} per node)`;
    return `${running}/${desired}`;
  }
  Image(): string {
    return imageForDisplay(this.service.Spec?.TaskTemplate?.ContainerSpec?.Image ?? '');
  }
  Ports(): string {
    return formatServicePorts(this.service.Endpoint?.Ports);
  }
}

/** docker's `docker service inspect --pretty` template. */
export const serviceInspectPrettyTemplate = `
ID:\t\t{{.ID}}
Name:\t\t{{.Name}}
{{- if .Labels }}
Labels:
{{- range $k, $v := .Labels }}
 {{ $k }}{{if $v }}={{ $v }}{{ end }}
{{- end }}{{ end }}
Service Mode:
{{- if .IsModeGlobal }}\tGlobal
{{- else if .IsModeReplicated }}\tReplicated
{{- if .ModeReplicatedReplicas }}
 Replicas:\t{{ .ModeReplicatedReplicas }}
{{- end }}{{ end }}
{{- if .HasUpdateStatus }}
UpdateStatus:
 State:\t\t{{ .UpdateStatusState }}
{{- if .HasUpdateStatusStarted }}
 Started:\t{{ .UpdateStatusStarted }}
{{- end }}
{{- if .UpdateIsCompleted }}
 Completed:\t{{ .UpdateStatusCompleted }}
{{- end }}
 Message:\t{{ .UpdateStatusMessage }}
{{- end }}
Placement:
{{- if .TaskPlacementConstraints }}
 Constraints:\t{{ .TaskPlacementConstraints }}
{{- end }}
{{- if .TaskPlacementPreferences }}
 Preferences:   {{ .TaskPlacementPreferences }}
{{- end }}
{{- if .MaxReplicas }}
 Max Replicas Per Node:   {{ .MaxReplicas }}
{{- end }}
{{- if .HasUpdateConfig }}
UpdateConfig:
 Parallelism:\t{{ .UpdateParallelism }}
{{- if .HasUpdateDelay}}
 Delay:\t\t{{ .UpdateDelay }}
{{- end }}
 On failure:\t{{ .UpdateOnFailure }}
{{- if .HasUpdateMonitor}}
 Monitoring Period: {{ .UpdateMonitor }}
{{- end }}
 Max failure ratio: {{ .UpdateMaxFailureRatio }}
 Update order:      {{ .UpdateOrder }}
{{- end }}
{{- if .HasRollbackConfig }}
RollbackConfig:
 Parallelism:\t{{ .RollbackParallelism }}
{{- if .HasRollbackDelay}}
 Delay:\t\t{{ .RollbackDelay }}
{{- end }}
 On failure:\t{{ .RollbackOnFailure }}
{{- if .HasRollbackMonitor}}
 Monitoring Period: {{ .RollbackMonitor }}
{{- end }}
 Max failure ratio: {{ .RollbackMaxFailureRatio }}
 Rollback order:    {{ .RollbackOrder }}
{{- end }}
ContainerSpec:
 Image:\t\t{{ .ContainerImage }}
{{- if .ContainerArgs }}
 Args:\t\t{{ range $arg := .ContainerArgs }}{{ $arg }} {{ end }}
{{- end -}}
{{- if .ContainerEnv }}
 Env:\t\t{{ range $env := .ContainerEnv }}{{ $env }} {{ end }}
{{- end -}}
{{- if .ContainerWorkDir }}
 Dir:\t\t{{ .ContainerWorkDir }}
{{- end -}}
{{- if .HasContainerInit }}
 Init:\t\t{{ .ContainerInit }}
{{- end -}}
{{- if .ContainerUser }}
 User: {{ .ContainerUser }}
{{- end }}
{{- if .HasCapabilities }}
Capabilities:
{{- if .HasCapabilityAdd }}
 Add: {{ .CapabilityAdd }}
{{- end }}
{{- if .HasCapabilityDrop }}
 Drop: {{ .CapabilityDrop }}
{{- end }}
{{- end }}
{{- if .ContainerSysCtls }}
SysCtls:
{{- range $k, $v := .ContainerSysCtls }}
 {{ $k }}{{if $v }}: {{ $v }}{{ end }}
{{- end }}{{ end }}
{{- if .ContainerUlimits }}
Ulimits:
{{- range $k, $v := .ContainerUlimits }}
 {{ $k }}: {{ $v }}
{{- end }}{{ end }}
{{- if .ContainerMounts }}
Mounts:
{{- end }}
{{- range $mount := .ContainerMounts }}
 Target:\t{{ $mount.Target }}
  Source:\t{{ $mount.Source }}
  ReadOnly:\t{{ $mount.ReadOnly }}
  Type:\t\t{{ $mount.Type }}
{{- end -}}
{{- if .Configs}}
Configs:
{{- range $config := .Configs }}
 Target:\t{{$config.File.Name}}
  Source:\t{{$config.ConfigName}}
{{- end }}{{ end }}
{{- if .Secrets }}
Secrets:
{{- range $secret := .Secrets }}
 Target:\t{{$secret.File.Name}}
  Source:\t{{$secret.SecretName}}
{{- end }}{{ end }}
{{- if .HasLogDriver }}
Log Driver:
{{- if .HasLogDriverName }}
 Name:\t\t{{ .LogDriverName }}
{{- end }}
{{- if .LogOpts }}
 LogOpts:
{{- range $k, $v := .LogOpts }}
  {{ $k }}{{if $v }}:       {{ $v }}{{ end }}
{{- end }}{{ end }}
{{ end }}
{{- if .HasResources }}
Resources:
{{- if .HasResourceReservations }}
 Reservations:
{{- if gt .ResourceReservationNanoCPUs 0.0 }}
  CPU:\t\t{{ .ResourceReservationNanoCPUs }}
{{- end }}
{{- if .ResourceReservationMemory }}
  Memory:\t{{ .ResourceReservationMemory }}
{{- end }}{{ end }}
{{- if .HasResourceLimits }}
 Limits:
{{- if gt .ResourceLimitsNanoCPUs 0.0 }}
  CPU:\t\t{{ .ResourceLimitsNanoCPUs }}
{{- end }}
{{- if .ResourceLimitMemory }}
  Memory:\t{{ .ResourceLimitMemory }}
{{- end }}{{ end }}{{ end }}
{{- if gt .ResourceLimitPids 0 }}
  PIDs:\t\t{{ .ResourceLimitPids }}
{{- end }}
{{- if .Networks }}
Networks:
{{- range $network := .Networks }} {{ $network }}{{ end }} {{ end }}
Endpoint Mode:\t{{ .EndpointMode }}
{{- if .Ports }}
Ports:
{{- range $port := .Ports }}
 PublishedPort = {{ $port.PublishedPort }}
  Protocol = {{ $port.Protocol }}
  TargetPort = {{ $port.TargetPort }}
  PublishMode = {{ $port.PublishMode }}
{{- end }} {{ end -}}
{{- if .Healthcheck }}
 Healthcheck:
  Interval = {{ .Healthcheck.Interval }}
  Retries = {{ .Healthcheck.Retries }}
  StartPeriod =\t{{ .Healthcheck.StartPeriod }}
  Timeout =\t{{ .Healthcheck.Timeout }}
  {{- if .Healthcheck.Test }}
  Tests:
\t{{- range $test := .Healthcheck.Test }}
\t Test = {{ $test }}
  {{- end }} {{ end -}}
{{- end }}
`;

/** A Go time.Duration printed as Go prints it ("5s"). */
class GoDuration implements GoStringer {
  constructor(readonly nanos: number) {}
  goString(): string {
    return formatGoDuration(BigInt(Math.trunc(this.nanos)));
  }
  toJSON(): number {
    return this.nanos;
  }
}

type Spec = NonNullable<Service['Spec']>;

/** The `docker service inspect --pretty` context (embeds the service, as docker's serviceInspectContext). */
export class ServiceInspectContext extends SubContext {
  readonly [goTypeName] = '*service.serviceInspectContext';
  readonly [goEmbedded]: Service;
  private readonly spec: Spec;

  constructor(
    private readonly service: Service,
    private readonly networkNames: Map<string, string>,
    private readonly now: number = Date.now(),
  ) {
    super();
    this[goEmbedded] = service;
    this.spec = service.Spec ?? {};
  }
  private get container() {
    return this.spec.TaskTemplate?.ContainerSpec ?? {};
  }
  ID(): string {
    return this.service.ID ?? '';
  }
  Name(): string {
    return this.spec.Name ?? '';
  }
  Labels(): Record<string, string> {
    return this.spec.Labels ?? {};
  }
  HasLogDriver(): boolean {
    return Boolean(this.spec.TaskTemplate?.LogDriver);
  }
  HasLogDriverName(): boolean {
    return Boolean(this.spec.TaskTemplate?.LogDriver?.Name);
  }
  LogDriverName(): string {
    return this.spec.TaskTemplate?.LogDriver?.Name ?? '';
  }
  LogOpts(): Record<string, string> {
    return this.spec.TaskTemplate?.LogDriver?.Options ?? {};
  }
  Configs(): unknown[] {
    return this.container.Configs ?? [];
  }
  Secrets(): unknown[] {
    return this.container.Secrets ?? [];
  }
  Healthcheck(): unknown {
    const health = this.container.HealthCheck as Record<string, unknown> | undefined;
    if (!health) return null;
    return {
      ...health,
      Interval: new GoDuration(Number(health.Interval ?? 0)),
      Timeout: new GoDuration(Number(health.Timeout ?? 0)),
      StartPeriod: new GoDuration(Number(health.StartPeriod ?? 0)),
      Retries: health.Retries ?? 0,
      Test: health.Test ?? null,
    };
  }
  IsModeGlobal(): boolean {
    return Boolean((this.spec.Mode as Record<string, unknown> | undefined)?.Global);
  }
  IsModeReplicated(): boolean {
    return Boolean((this.spec.Mode as Record<string, unknown> | undefined)?.Replicated);
  }
  ModeReplicatedReplicas(): number | null {
    return this.spec.Mode?.Replicated?.Replicas ?? null;
  }
  HasUpdateStatus(): boolean {
    return Boolean(this.service.UpdateStatus?.State);
  }
  UpdateStatusState(): string {
    return this.service.UpdateStatus?.State ?? '';
  }
  HasUpdateStatusStarted(): boolean {
    return Boolean(this.service.UpdateStatus?.StartedAt);
  }
  UpdateStatusStarted(): string {
    return `${humanDuration(sinceNanos(this.service.UpdateStatus?.StartedAt, this.now))} ago`;
  }
  UpdateIsCompleted(): boolean {
    return (
      this.service.UpdateStatus?.State === 'completed' && Boolean(this.service.UpdateStatus?.CompletedAt)
    );
  }
  UpdateStatusCompleted(): string {
    return `${humanDuration(sinceNanos(this.service.UpdateStatus?.CompletedAt, this.now))} ago`;
  }
  UpdateStatusMessage(): string {
    return this.service.UpdateStatus?.Message ?? '';
  }
  TaskPlacementConstraints(): string[] | null {
    return this.spec.TaskTemplate?.Placement?.Constraints ?? null;
  }
  TaskPlacementPreferences(): string[] | null {
    const prefs = this.spec.TaskTemplate?.Placement?.Preferences ?? [];
    const out = prefs.filter((p) => p.Spread).map((p) => `spread=${p.Spread?.SpreadDescriptor ?? ''}`);
    return out.length ? out : null;
  }
  MaxReplicas(): number {
    return this.spec.TaskTemplate?.Placement?.MaxReplicas ?? 0;
  }
  HasUpdateConfig(): boolean {
    return Boolean(this.spec.UpdateConfig);
  }
  UpdateParallelism(): number {
    return this.spec.UpdateConfig?.Parallelism ?? 0;
  }
  HasUpdateDelay(): boolean {
    return (this.spec.UpdateConfig?.Delay ?? 0) > 0;
  }
  UpdateDelay(): GoDuration {
    return new GoDuration(this.spec.UpdateConfig?.Delay ?? 0);
  }
  UpdateOnFailure(): string {
    return this.spec.UpdateConfig?.FailureAction ?? '';
  }
  UpdateOrder(): string {
    return this.spec.UpdateConfig?.Order ?? '';
  }
  HasUpdateMonitor(): boolean {
    return (this.spec.UpdateConfig?.Monitor ?? 0) > 0;
  }
  UpdateMonitor(): GoDuration {
    return new GoDuration(this.spec.UpdateConfig?.Monitor ?? 0);
  }
  UpdateMaxFailureRatio(): GoFloat {
    return new GoFloat(this.spec.UpdateConfig?.MaxFailureRatio ?? 0);
  }
  HasRollbackConfig(): boolean {
    return Boolean(this.spec.RollbackConfig);
  }
  RollbackParallelism(): number {
    return this.spec.RollbackConfig?.Parallelism ?? 0;
  }
  HasRollbackDelay(): boolean {
    return (this.spec.RollbackConfig?.Delay ?? 0) > 0;
  }
  RollbackDelay(): GoDuration {
    return new GoDuration(this.spec.RollbackConfig?.Delay ?? 0);
  }
  RollbackOnFailure(): string {
    return this.spec.RollbackConfig?.FailureAction ?? '';
  }
  HasRollbackMonitor(): boolean {
    return (this.spec.RollbackConfig?.Monitor ?? 0) > 0;
  }
  RollbackMonitor(): GoDuration {
    return new GoDuration(this.spec.RollbackConfig?.Monitor ?? 0);
  }
  RollbackMaxFailureRatio(): GoFloat {
    return new GoFloat(this.spec.RollbackConfig?.MaxFailureRatio ?? 0);
  }
  RollbackOrder(): string {
    return this.spec.RollbackConfig?.Order ?? '';
  }
  ContainerImage(): string {
    return this.container.Image ?? '';
  }
  ContainerArgs(): string[] | null {
    return this.container.Args ?? null;
  }
  ContainerEnv(): string[] | null {
    return this.container.Env ?? null;
  }
  ContainerWorkDir(): string {
    return this.container.Dir ?? '';
  }
  ContainerUser(): string {
    return this.container.User ?? '';
  }
  HasContainerInit(): boolean {
    return this.container.Init !== undefined && this.container.Init !== null;
  }
  ContainerInit(): boolean {
    return Boolean(this.container.Init);
  }
  ContainerMounts(): unknown[] {
    return (this.container.Mounts ?? []).map((m) => ({ ...m, ReadOnly: m.ReadOnly ?? false }));
  }
  ContainerSysCtls(): Record<string, string> {
    return this.container.Sysctls ?? {};
  }
  HasContainerSysCtls(): boolean {
    return Object.keys(this.container.Sysctls ?? {}).length > 0;
  }
  ContainerUlimits(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const u of this.container.Ulimits ?? []) out[u.Name ?? ''] = `${u.Soft ?? 0}:${u.Hard ?? 0}`;
    return out;
  }
  HasContainerUlimits(): boolean {
    return (this.container.Ulimits ?? []).length > 0;
  }
  HasResources(): boolean {
    return Boolean(this.spec.TaskTemplate?.Resources);
  }
  HasResourceReservations(): boolean {
    const r = this.spec.TaskTemplate?.Resources?.Reservations;
    return Boolean(r) && ((r?.NanoCPUs ?? 0) > 0 || (r?.MemoryBytes ?? 0) > 0);
  }
  ResourceReservationNanoCPUs(): GoFloat {
    return new GoFloat((this.spec.TaskTemplate?.Resources?.Reservations?.NanoCPUs ?? 0) / 1e9);
  }
  ResourceReservationMemory(): string {
    const bytes = this.spec.TaskTemplate?.Resources?.Reservations?.MemoryBytes ?? 0;
    return bytes === 0 ? '' : bytesSize(bytes);
  }
  HasResourceLimits(): boolean {
    const l = this.spec.TaskTemplate?.Resources?.Limits;
    return Boolean(l) && ((l?.NanoCPUs ?? 0) > 0 || (l?.MemoryBytes ?? 0) > 0 || (l?.Pids ?? 0) > 0);
  }
  ResourceLimitsNanoCPUs(): GoFloat {
    return new GoFloat((this.spec.TaskTemplate?.Resources?.Limits?.NanoCPUs ?? 0) / 1e9);
  }
  ResourceLimitMemory(): string {
    const bytes = this.spec.TaskTemplate?.Resources?.Limits?.MemoryBytes ?? 0;
    return bytes === 0 ? '' : bytesSize(bytes);
  }
  ResourceLimitPids(): number {
    return this.spec.TaskTemplate?.Resources?.Limits?.Pids ?? 0;
  }
  Networks(): string[] | null {
    const out = (this.spec.TaskTemplate?.Networks ?? []).map(
      (n) => this.networkNames.get(n.Target ?? '') ?? n.Target ?? '',
    );
    return out.length ? out : null;
  }
  EndpointMode(): string {
    return this.spec.EndpointSpec?.Mode ?? '';
  }
  Ports(): unknown[] | null {
    return this.service.Endpoint?.Ports ?? null;
  }
  HasCapabilities(): boolean {
    return (
      (this.container.CapabilityAdd ?? []).length > 0 || (this.container.CapabilityDrop ?? []).length > 0
    );
  }
  HasCapabilityAdd(): boolean {
    return (this.container.CapabilityAdd ?? []).length > 0;
  }
  HasCapabilityDrop(): boolean {
    return (this.container.CapabilityDrop ?? []).length > 0;
  }
  CapabilityAdd(): string {
    return (this.container.CapabilityAdd ?? []).join(', ');
  }
  CapabilityDrop(): string {
    return (this.container.CapabilityDrop ?? []).join(', ');
  }
}
