import React, { useEffect, useState } from 'react';
import { elapsedClock, elapsedText } from '../models/elapsedClock';
import { formatSeconds } from '../models/stepStatus';

export interface ElapsedProps {
  /** When the step started (StepState.startedAt). */
  startedAt?: string;
  /** The time to show when it is not running (a finished step's duration). */
  seconds: number | null;
  running: boolean;
}

/** A step's time: ticking once a second while it runs (only this text re-renders), its duration once done. */
export function Elapsed({ startedAt, seconds, running }: ElapsedProps): JSX.Element {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => (running && startedAt ? elapsedClock.subscribe(setNow) : undefined), [running, startedAt]);
  const text = running && startedAt ? elapsedText(startedAt, now) : formatSeconds(seconds);
  return <span className="cp-Elapsed">{text}</span>;
}
