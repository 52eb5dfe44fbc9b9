import { appendFileSync, writeFileSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { StepState } from '../../../../src/core/run/types';
import type { ArgoApi } from './argoApi';
import { NODE_ID_ANNOTATION, workflowNodes, type ArgoNode, type ArgoWorkflow } from './argoWorkflow';
import { KubernetesApiError } from './kubernetesErrors';
import { attemptHeader, formatStepLog, readAttemptLogs } from './podLogs';
import { stepPodNodes } from './stepStatus';

export interface LogFollowerOptions {
  api: Pick<ArgoApi, 'listPods' | 'readLog' | 'followLog'>;
  workflowName: string;
  /** The step's log file in the run store. */
  logPath: (stepId: string) => string;
  /** New text of a step's log, in order. */
  onText: (stepId: string, stream: 'stdout' | 'stderr', text: string) => void;
  /** Pause before following a log again after its stream ended or failed; doubles while it keeps failing. */
  retryDelayMs: number;
}

const FINISHED_STEP = new Set(['Succeeded', 'Failed', 'Cancelled', 'Cached']);

/**
 * The logs of one run's steps, live: while a step's pod runs its `main` container log is followed,
 * shown as it comes and appended to the step's log file; each attempt of a retried step in turn.
 * Once the step has finished its log is read whole once more and the file becomes exactly that
 * (`readStepLogs`); only text not shown yet is shown. A live stream has the file's text without
 * the first attempt's header, which exists only once a second attempt does.
 */
export class RunLogFollower {
  private readonly steps = new Map<string, StepLogFollower>();
  private following = true;

  constructor(private readonly options: LogFollowerOptions) {}

  /** Called with every new version of the workflow and the steps' states it gives. */
  update(workflow: ArgoWorkflow, steps: StepState[]): void {
    const nodes = workflowNodes(workflow.status);
    for (const step of steps) {
      const pods = stepPodNodes(nodes, step.id);
      let follower = this.steps.get(step.id);
      if (!follower && pods.some(p => p.phase !== 'Pending')) {
        follower = new StepLogFollower(this.options, step.id, () => this.following);
        this.steps.set(step.id, follower);
      }
      follower?.update(pods, FINISHED_STEP.has(step.status));
    }
  }

  /** Ends every stream and starts no new one (cancel); steps that finish are still read once. */
  stop(): void {
    this.following = false;
    this.steps.forEach(s => s.stopFollowing());
  }

  /** Stops following and settles once every stream has ended and every final read is done. */
  async close(): Promise<void> {
    this.stop();
    await Promise.all([...this.steps.values()].map(s => s.idle()));
  }
}

interface Attempt {
  node: ArgoNode;
  pod?: string;
  /** What has been shown of its log (and is in the file). */
  text: string;
  /** Bytes of the followed stream taken so far: a new stream starts from the beginning again. */
  bytes: number;
  decoder: StringDecoder;
  /** Nothing more to follow: the pod was deleted, or its container exited. */
  over: boolean;
  /** After a stream the server ended: look at the pod again before following it again. */
  recheck: boolean;
}

class StepLogFollower {
  /** The step's pod nodes as last seen, oldest attempt first. */
  private pods: ArgoNode[] = [];
  private readonly attempts: Attempt[] = [];
  private finished = false;
  private done = false;
  private work?: Promise<void>;
  private again = false;
  private stream?: { controller: AbortController; ended: Promise<void> };
  private timer?: NodeJS.Timeout;
  private failures = 0;

  constructor(
    private readonly options: LogFollowerOptions,
    private readonly stepId: string,
    private readonly following: () => boolean
  ) {}

  update(pods: ArgoNode[], finished: boolean): void {
    this.pods = pods;
    this.finished ||= finished;
    this.kick();
  }

  stopFollowing(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stream?.controller.abort();
  }

  async idle(): Promise<void> {
    while (this.work || this.stream) {
      await this.work;
      await this.stream?.ended;
    }
  }

  /** Runs `sync` now, or once more after the one running; never two at once. */
  private kick(): void {
    if (this.work) {
      this.again = true;
      return;
    }
    this.work = (async () => {
      do {
        this.again = false;
        await this.sync();
      } while (this.again && !this.done);
    })().finally(() => (this.work = undefined));
  }

  private async sync(): Promise<void> {
    if (this.done) {
      return;
    }
    if (this.finished) {
      this.stopFollowing();
      this.done = true;
      return this.readFinal();
    }
    try {
      const started = this.pods.filter(p => p.phase !== 'Pending');
      this.attempts.forEach((attempt, i) => (attempt.node = started[i] ?? attempt.node));
      for (let i = this.attempts.length; i < started.length; i++) {
        if (i > 0) {
          await this.readWhole(i - 1); // it has ended: the next attempt starts
        }
        this.attempts.push({ node: started[i], text: '', bytes: 0, decoder: new StringDecoder('utf8'), over: false, recheck: false });
        if (i > 0) {
          this.writeFile();
          this.options.onText(this.stepId, 'stdout', attemptHeader(i, i + 1, started[i].phase));
        }
      }
      const current = this.attempts[this.attempts.length - 1];
      if (current?.node.phase === 'Running' && !current.over && !this.stream && !this.timer && this.following()) {
        await this.follow(current);
      }
    } catch {
      this.retryLater(); // reading live is best effort: the final read says what went wrong
    }
  }

  private async follow(attempt: Attempt): Promise<void> {
    if (!attempt.pod || attempt.recheck) {
      const pod = (await this.options.api.listPods(this.options.workflowName)).find(
        p => p.metadata?.annotations?.[NODE_ID_ANNOTATION] === attempt.node.id
      );
      const name = pod?.metadata?.name;
      const main = pod?.status?.containerStatuses?.find(c => c.name === 'main')?.state;
      if (!name && attempt.pod) {
        attempt.over = true; // it was there: deleted
        return;
      }
      if (!name || main?.waiting) {
        return this.retryLater(); // not created, or the container not started, yet
      }
      Object.assign(attempt, { pod: name, recheck: false, over: !!main?.terminated });
      if (attempt.over) {
        return; // the final read has its whole log
      }
    }
    const controller = new AbortController();
    let skip = attempt.bytes;
    const onChunk = (chunk: Buffer): void => {
      if (controller.signal.aborted) {
        return;
      }
      if (chunk.length <= skip) {
        skip -= chunk.length;
        return;
      }
      const fresh = chunk.subarray(skip);
      skip = 0;
      attempt.bytes += fresh.length;
      this.failures = 0;
      this.show(attempt, attempt.decoder.write(fresh));
    };
    const ended = this.options.api.followLog(attempt.pod!, onChunk, controller.signal).then(
      () => {
        attempt.recheck = true; // the container exited, or the server closed the stream
      },
      (error: unknown) => {
        attempt.over ||= error instanceof KubernetesApiError && error.status === 404; // the pod was deleted: nothing more will come
      }
    );
    const stream = {
      controller,
      ended: ended.finally(() => {
        if (this.stream === stream) {
          this.stream = undefined;
        }
        if (!controller.signal.aborted && !attempt.over) {
          this.retryLater();
        }
      })
    };
    this.stream = stream;
  }

  private retryLater(): void {
    if (this.timer || this.done || !this.following()) {
      return;
    }
    const delay = this.options.retryDelayMs * 2 ** Math.min(this.failures++, 5);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, delay);
  }

  private show(attempt: Attempt, text: string): void {
    if (text) {
      attempt.text += text;
      appendFileSync(this.options.logPath(this.stepId), text);
      this.options.onText(this.stepId, 'stdout', text);
    }
  }

  /** The attempt's log read whole: what was not shown is shown; the file follows. */
  private async readWhole(index: number): Promise<void> {
    const attempt = this.attempts[index];
    const stream = this.stream;
    stream?.controller.abort();
    await stream?.ended;
    const [text] = await readAttemptLogs(this.options.api, this.options.workflowName, [attempt.node]);
    this.catchUp(index, text);
    this.writeFile();
  }

  /** The step has finished: its log as `readStepLogs` reads it, into the file and the rest shown. */
  private async readFinal(): Promise<void> {
    const { api, workflowName, onText } = this.options;
    try {
      const texts = await readAttemptLogs(api, workflowName, this.pods);
      texts.forEach((text, i) => {
        if (i < this.attempts.length) {
          return this.catchUp(i, text);
        }
        const shown = (i > 0 ? attemptHeader(i, this.pods.length, this.pods[i].phase) : '') + text;
        if (shown) {
          onText(this.stepId, 'stdout', shown);
        }
      });
      writeFileSync(this.options.logPath(this.stepId), formatStepLog(this.pods, texts));
    } catch (error) {
      onText(this.stepId, 'stderr', `cellpipe: cannot read the step's log: ${(error as Error).message}\n`);
    }
  }

  /**
   * Shows what attempt `index` has beyond what was shown of it. Text shown that the log does not
   * start with (a stream cut and resumed on a changed log, a pod deleted) is said in words, and
   * the log shown again from the first line that differs.
   */
  private catchUp(index: number, text: string): void {
    const attempt = this.attempts[index];
    const shown = attempt.text;
    attempt.text = text;
    if (text.startsWith(shown)) {
      if (text.length > shown.length) {
        this.options.onText(this.stepId, 'stdout', text.slice(shown.length));
      }
      return;
    }
    let same = 0;
    while (shown[same] === text[same]) {
      same++;
    }
    const from = text.lastIndexOf('\n', same - 1) + 1;
    const line = text.slice(0, from).split('\n').length;
    const which = this.attempts.length > 1 ? `attempt ${index + 1}'s log` : 'the log';
    this.options.onText(
      this.stepId,
      'stderr',
      `${shown.endsWith('\n') ? '' : '\n'}cellpipe: what was shown of ${which} differs from what the cluster keeps from line ${line} on ` +
        `(the stream was cut, or the pod or its log changed); the saved log is the cluster's, and from line ${line} it reads:\n`
    );
    this.options.onText(this.stepId, 'stdout', text.slice(from));
  }

  /** The file as the log reads now: what was shown, under the headers of the attempts so far. */
  private writeFile(): void {
    const nodes = this.attempts.map(a => a.node);
    writeFileSync(
      this.options.logPath(this.stepId),
      formatStepLog(
        nodes,
        this.attempts.map(a => a.text)
      )
    );
  }
}
