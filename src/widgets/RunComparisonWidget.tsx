import React from 'react';
import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import { RunComparisonView } from '../components/RunComparisonView';
import type { RunComparison } from '../models/RunComparison';
import { cellpipeIcon } from '../icons';

/** The main-area tab comparing runs of a notebook; re-renders when the comparison changes. */
export class RunComparisonWidget extends ReactWidget {
  constructor(private readonly comparison: RunComparison) {
    super();
    this.id = `cellpipe-compare-${Date.now()}`;
    this.addClass('cp-CompareWidget');
    this.title.icon = cellpipeIcon;
    this.title.label = comparison.sweepId ? `Sweep of ${comparison.runIds.length} runs` : `Compare ${comparison.runIds.length} runs`;
    this.title.caption = `Runs of ${comparison.path}: ${comparison.runIds.join(', ')}`;
    this.title.closable = true;
    void comparison.load();
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this.comparison.changed}>
        {() => (
          <RunComparisonView
            path={this.comparison.path}
            table={this.comparison.table}
            error={this.comparison.error}
            loading={this.comparison.loading}
            onDirection={(metric, direction) => this.comparison.setDirection(metric, direction)}
            onReload={() => void this.comparison.load()}
            onBestBy={metric => this.comparison.setBestBy(metric)}
            sweepId={this.comparison.sweepId}
          />
        )}
      </UseSignal>
    );
  }

  dispose(): void {
    this.comparison.dispose();
    super.dispose();
  }
}
