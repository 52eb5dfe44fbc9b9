import React, { useState } from 'react';
import type { CompileTarget, OutputSummary, PackagesReport } from '../core/run/api';
import { formatMetric } from '../core/run/formatMetric';
import type { SidebarModel, ServiceHealth } from '../models/SidebarModel';
import { fanOutView } from '../models/fanOutView';
import { formatBytes, stepView } from '../models/stepStatus';
import type { StepState } from '../core/run/types';
import { DagView } from './DagView';
import { Elapsed } from './Elapsed';
import { RunLine } from './RunLine';
import { RunList } from './RunList';
import { StatusMark } from './StatusMark';
import { MemberList, Served, Workers } from './StepMembers';
import { ParametersForm } from './ParametersForm';
import { PipelineSettingsForm } from './PipelineSettingsForm';
import { SweepForm } from './SweepForm';

/** The class of the sidebar's sweep section (the `cellpipe:sweep` command opens it). */
export const SWEEP_SECTION = 'cp-SweepSection';

export type CompileDelivery = 'download' | 'save';

export interface SidebarPanelProps {
  model: SidebarModel;
  onCompile: (target: CompileTarget, delivery: CompileDelivery) => void;
  /** Offers the shown run's executed notebook as a download. */
  onDownloadNotebook: () => void;
  /** Opens the comparison of the runs picked in the run list, or of a sweep's runs. */
  onCompare: (path: string, runIds: string[], sweepId?: string) => void;
}

function basename(path: string): string {
  return path.split('/').pop() ?? path;
}

function HealthLine({ health, onCheck }: { health: ServiceHealth; onCheck: () => void }): JSX.Element {
  const text =
    health.state === 'checking' ? 'checking…' : health.state === 'healthy' ? `healthy (v${health.report.version})` : `unreachable: ${health.message}`;
  return (
    <div className="cp-SidebarPanel-service">
      <span
        className={`cp-Health cp-Health-${health.state}`}
        title={health.state === 'healthy' ? `node ${health.report.node}, pid ${health.report.pid}` : undefined}
      >
        {text}
      </span>
      {health.state !== 'healthy' && (
        <button className="jp-mod-styled cp-SidebarPanel-recheck" onClick={onCheck}>
          Check again
        </button>
      )}
    </div>
  );
}

function Section({
  title,
  children,
  open = true,
  className
}: {
  title: string;
  children: React.ReactNode;
  open?: boolean;
  className?: string;
}): JSX.Element {
  return (
    <details className={`cp-SidebarPanel-section${className ? ` ${className}` : ''}`} open={open}>
      <summary className="cp-SidebarPanel-label">{title}</summary>
      {children}
    </details>
  );
}

function Outputs({ outputs }: { outputs: OutputSummary[] | undefined }): JSX.Element | null {
  if (!outputs?.length) {
    return null;
  }
  return (
    <ul className="cp-Outputs">
      {outputs.map(o => (
        <li key={o.name}>
          <code>{o.name}</code> {o.type} <span className="cp-Muted">{formatBytes(o.bytes)}</span>
        </li>
      ))}
    </ul>
  );
}

/** A fan-out step's instances, item by item, with why one failed. */
function Instances({ step }: { step: StepState }): JSX.Element | null {
  const view = fanOutView(undefined, step);
  if (!view) {
    return null;
  }
  return (
    <MemberList
      kind="item"
      summary={view.summary}
      label={`items of step ${step.name}`}
      members={view.marks.map(mark => ({ index: mark.item, status: mark.status, message: mark.message }))}
    />
  );
}

/** What a cluster installs for each step: pods start from an image with Python and pip only. */
function ClusterPackages({ report, busy, onLoad }: { report: PackagesReport | null; busy: boolean; onLoad: () => void }): JSX.Element {
  return (
    <div className="cp-Packages">
      <button className="jp-mod-styled cp-PackagesButton" disabled={busy} onClick={onLoad}>
        {report ? 'Read again' : 'Show what a cluster installs'}
      </button>
      {report && (
        <>
          <div className="cp-Muted">pinned to {report.python}</div>
          <ul className="cp-Packages-steps">
            {report.steps.map(step => (
              <li key={step.name}>
                <strong>{step.name}</strong>:{' '}
                {step.packages === null ? (
                  <span className="cp-Muted">its image holds everything</span>
                ) : (
                  step.packages.join(', ') || <span className="cp-Muted">nothing</span>
                )}
              </li>
            ))}
          </ul>
          {report.diagnostics.map((d, i) => (
            <div key={i} className="cp-Warning" role="status">
              cell {d.cell === null ? '-' : d.cell + 1}, line {d.line}: {d.message}
            </div>
          ))}
        </>
      )}
    </div>
  );
}

/** The cellpipe sidebar: the active notebook's pipeline, its runs, and the service it runs on. */
export function SidebarPanel({ model, onCompile, onDownloadNotebook, onCompare }: SidebarPanelProps): JSX.Element {
  const [target, setTarget] = useState<CompileTarget>('argo');
  const pipeline = model.pipeline;
  const health = <HealthLine health={model.health} onCheck={() => void model.checkHealth()} />;
  if (!pipeline) {
    return (
      <div className="cp-SidebarPanel">
        <header className="cp-SidebarPanel-header">cellpipe</header>
        <div className="cp-SidebarPanel-empty">Open a notebook to turn it into a pipeline.</div>
        {health}
      </div>
    );
  }
  const analysis = pipeline.analysis;
  const run = model.run;
  const errors = analysis?.diagnostics.filter(d => d.severity === 'error') ?? [];
  const selected = run?.steps.find(s => s.id === model.selectedStep) ?? null;
  const selectedView = selected && run ? stepView(run, selected.name) : null;
  const blocked = model.runBlockedReason;
  const selectByName = (name: string): void => {
    const step = run?.steps.find(s => s.name === name);
    void model.selectStep(step ? step.id : null);
    model.selectStepCells(name);
  };
  return (
    <div className="cp-SidebarPanel">
      <header className="cp-SidebarPanel-header">
        <span>cellpipe</span>
        <span className="cp-SidebarPanel-notebook" title={pipeline.path}>
          {basename(pipeline.path)}
        </span>
      </header>
      {health}
      <div className="cp-Actions" role="toolbar" aria-label="pipeline actions">
        {/* aria-disabled, not disabled: it stays focusable and its tooltip says why it cannot run. */}
        <button
          className="jp-mod-styled jp-mod-accept cp-RunButton"
          aria-disabled={!!blocked}
          onClick={() => !blocked && void model.compileAndRun()}
          title={blocked ?? 'Save the notebook, compile it and run it'}
        >
          Compile and run
        </button>
        {model.cancellable && (
          <button className="jp-mod-styled jp-mod-warn cp-CancelButton" onClick={() => void model.cancel()}>
            Cancel
          </button>
        )}
        {model.retryable && (
          <button className="jp-mod-styled cp-RetryButton" onClick={() => void model.retry()}>
            Retry
          </button>
        )}
      </div>
      <div className="cp-Actions">
        <select
          className="jp-mod-styled"
          aria-label="compile target"
          value={target}
          onChange={event => setTarget(event.target.value as CompileTarget)}
        >
          <option value="argo">Argo Workflow</option>
          <option value="kfp">Kubeflow Pipelines</option>
          <option value="scripts">step scripts</option>
        </select>
        <button className="jp-mod-styled cp-CompileButton" disabled={!!model.busy} onClick={() => onCompile(target, 'download')}>
          Download
        </button>
        <button className="jp-mod-styled cp-CompileSaveButton" disabled={!!model.busy} onClick={() => onCompile(target, 'save')}>
          Save next to notebook
        </button>
      </div>
      {model.busy && <div className="cp-Muted">{model.busy}</div>}
      {model.error && (
        <div className="cp-Error" role="alert">
          {model.error}
        </div>
      )}
      {model.notice && (
        <div className="cp-Notice" role="status">
          <span>{model.notice}</span>
          <button className="cp-Notice-dismiss" aria-label="dismiss" title="Dismiss" onClick={() => model.setNotice(null)}>
            ×
          </button>
        </div>
      )}
      {errors.length > 0 && (
        <div className="cp-Error" role="status">
          {errors.length} problem{errors.length > 1 ? 's' : ''} to fix before the notebook can run (see the cells).
        </div>
      )}

      <Section title="Pipeline">
        {run && (
          <div className="cp-RunHeader">
            <RunLine run={run} />{' '}
            <span className="cp-Muted" title={run.runId}>
              {run.runId}
            </span>
            {run.message && <div className="cp-Muted">{run.message}</div>}
            <button
              className="jp-mod-styled cp-DownloadNotebookButton"
              disabled={!!model.busy}
              onClick={onDownloadNotebook}
              title="The notebook with every cell's outputs from this run, numbered as Run All numbers them"
            >
              Download executed notebook
            </button>
          </div>
        )}
        <DagView steps={analysis?.steps ?? []} run={run} selected={model.selectedStep} active={model.activeStep} onSelect={selectByName} />
      </Section>

      {selected && run && selectedView && (
        <Section title={`Step ${selected.name}`}>
          <div className="cp-StepDetail" data-step={selected.id}>
            <div>
              <StatusMark status={selectedView.status} />{' '}
              <Elapsed startedAt={selected.startedAt} seconds={selectedView.seconds} running={selectedView.status === 'running'} />
              {selected.attempts > 1 && <span className="cp-Muted"> · attempt {selected.attempts}</span>}
              {selected.message && <div className="cp-Muted">{selected.message}</div>}
            </div>
            {model.rerunnableFromSelected && (
              <button
                className="jp-mod-styled cp-RerunButton"
                title={`Run ${selected.name} and every step after it again, reusing the values of the steps above it`}
                onClick={() => void model.rerunFromSelected()}
              >
                Re-run from here
              </button>
            )}
            <Instances step={selected} />
            <Workers step={selected} />
            <Served step={selected} />
            <Outputs outputs={model.outputsOf(run.runId, selected.id)} />
            <pre className="cp-Log" aria-label={`log of step ${selected.name}`} tabIndex={0}>
              {model.log || (selected.status === 'Pending' || selected.status === 'Running' ? '(no output yet)' : 'no output')}
            </pre>
          </div>
        </Section>
      )}

      <Section title="Parameters">
        <ParametersForm
          parameters={analysis?.parameters ?? []}
          texts={model.parameterTexts}
          errors={model.parameterErrors}
          onChange={(name, text) => model.setParameter(name, text)}
        />
      </Section>

      <Section title="Sweep" open={false} className={SWEEP_SECTION}>
        <SweepForm
          parameters={analysis?.parameters ?? []}
          blocked={blocked}
          busy={!!model.busy}
          onStart={grid => void model.startSweep(grid).then(started => started && onCompare(pipeline.path, started.runIds, started.sweepId))}
        />
      </Section>

      {run && Object.keys(run.metrics).length > 0 && (
        <Section title="Metrics">
          <table className="cp-Metrics">
            <tbody>
              {Object.entries(run.metrics).map(([name, value]) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td title={String(value)}>{formatMetric(value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}

      <Section title="Runs">
        <RunList
          runs={model.history}
          currentRunId={run?.runId ?? null}
          parameters={analysis?.parameters ?? []}
          compared={model.comparedRunIds}
          onSelect={runId => void model.selectRun(runId)}
          onToggleCompared={runId => model.toggleCompared(runId)}
          onCompare={() => onCompare(pipeline.path, model.comparedRunIds)}
          onOpenSweep={(sweepId, runIds) => onCompare(pipeline.path, runIds, sweepId)}
        />
      </Section>

      <Section title="Cluster packages" open={false}>
        <ClusterPackages report={model.packages} busy={!!model.busy} onLoad={() => void model.loadPackages()} />
      </Section>

      <Section title="Settings" open={false}>
        <PipelineSettingsForm notebookPath={pipeline.path} metadata={model.pipelineMetadata} onWrite={(k, v) => model.writeMetadata(k, v)} />
      </Section>
    </div>
  );
}
