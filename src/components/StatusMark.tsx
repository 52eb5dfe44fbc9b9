import React from 'react';
import { STATUS_MARKS, type StepDisplayStatus } from '../models/stepStatus';

/** A step's status as an icon and a word on a tint of its colour (readable in light and dark themes). */
export function StatusMark({ status }: { status: StepDisplayStatus }): JSX.Element {
  const { icon, label } = STATUS_MARKS[status];
  return (
    <span className={`cp-StatusMark cp-mod-${status}`} data-status={status}>
      <span className="cp-StatusMark-icon" aria-hidden="true">
        {icon}
      </span>
      {label}
    </span>
  );
}
