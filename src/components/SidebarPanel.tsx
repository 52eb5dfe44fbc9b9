import React from 'react';
import type { ServiceHealth } from '../models/SidebarModel';

export interface SidebarPanelProps {
  notebookPath: string | null;
  health: ServiceHealth;
  onCheckHealth: () => void;
}

function basename(path: string): string {
  return path.split('/').pop() ?? path;
}

function HealthLine({ health }: { health: ServiceHealth }): JSX.Element {
  switch (health.state) {
    case 'checking':
      return <span className="cp-Health cp-Health-checking">checking…</span>;
    case 'healthy':
      return (
        <span className="cp-Health cp-Health-healthy" title={`node ${health.report.node}, pid ${health.report.pid}`}>
          healthy (v{health.report.version})
        </span>
      );
    case 'unreachable':
      return (
        <span className="cp-Health cp-Health-unreachable" title={health.message}>
          unreachable: {health.message}
        </span>
      );
  }
}

/** The cellpipe sidebar: the pipeline of the active notebook, and the service it runs on. */
export function SidebarPanel(props: SidebarPanelProps): JSX.Element {
  return (
    <div className="cp-SidebarPanel">
      <header className="cp-SidebarPanel-header">cellpipe</header>
      <section className="cp-SidebarPanel-section">
        <div className="cp-SidebarPanel-label">Notebook</div>
        {props.notebookPath ? (
          <div className="cp-SidebarPanel-notebook" title={props.notebookPath}>
            {basename(props.notebookPath)}
          </div>
        ) : (
          <div className="cp-SidebarPanel-empty">Open a notebook to turn it into a pipeline.</div>
        )}
      </section>
      <section className="cp-SidebarPanel-section">
        <div className="cp-SidebarPanel-label">Service</div>
        <div className="cp-SidebarPanel-service">
          <HealthLine health={props.health} />
          <button className="jp-mod-styled cp-SidebarPanel-recheck" onClick={props.onCheckHealth}>
            Check again
          </button>
        </div>
      </section>
    </div>
  );
}
