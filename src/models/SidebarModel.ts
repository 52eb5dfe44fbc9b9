import { ISignal, Signal } from '@lumino/signaling';
import type { CellpipeClient, HealthReport } from '../api/client';

export type ServiceHealth =
  | { state: 'checking' }
  | { state: 'healthy'; report: HealthReport }
  | { state: 'unreachable'; message: string };

/** What the sidebar shows: the active notebook and the service's health. */
export class SidebarModel {
  constructor(private readonly client: CellpipeClient) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get notebookPath(): string | null {
    return this._notebookPath;
  }

  set notebookPath(path: string | null) {
    if (path !== this._notebookPath) {
      this._notebookPath = path;
      this._changed.emit();
    }
  }

  get health(): ServiceHealth {
    return this._health;
  }

  async checkHealth(): Promise<ServiceHealth> {
    this._health = { state: 'checking' };
    this._changed.emit();
    try {
      this._health = { state: 'healthy', report: await this.client.health() };
    } catch (error) {
      this._health = { state: 'unreachable', message: error instanceof Error ? error.message : String(error) };
    }
    this._changed.emit();
    return this._health;
  }

  private _notebookPath: string | null = null;
  private _health: ServiceHealth = { state: 'checking' };
  private readonly _changed = new Signal<this, void>(this);
}
