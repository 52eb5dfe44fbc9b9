import React from 'react';
import type { PipelineMetadata } from '../models/SidebarModel';

export interface PipelineSettingsFormProps {
  /** Changes when the notebook does, so the inputs show that notebook's values. */
  notebookPath: string;
  metadata: PipelineMetadata;
  onWrite: (key: keyof PipelineMetadata, value: unknown) => void;
}

type Field = { key: keyof PipelineMetadata; label: string; placeholder?: string };

const FIELDS: Field[] = [
  { key: 'pipelineName', label: 'Name', placeholder: 'the notebook name' },
  { key: 'description', label: 'Description' },
  { key: 'experiment', label: 'Experiment' },
  { key: 'image', label: 'Default image', placeholder: 'from the settings' },
  { key: 'namespace', label: 'Namespace', placeholder: 'from the settings' }
];

const VOLUME: Array<{ key: 'size' | 'storageClass'; label: string; placeholder: string }> = [
  { key: 'size', label: 'Volume size', placeholder: '1Gi' },
  { key: 'storageClass', label: 'Storage class', placeholder: 'cluster default' }
];

/**
 * Notebook-level pipeline settings, stored in `metadata.cellpipe` (Kale's `kubeflow_notebook` is
 * read by the core but never written). Text inputs save on blur or Enter.
 */
export function PipelineSettingsForm({ notebookPath, metadata, onWrite }: PipelineSettingsFormProps): JSX.Element {
  const volume = metadata.volume ?? {};
  const commit = (write: (value: string) => void) => ({
    onBlur: (event: React.FocusEvent<HTMLInputElement>) => write(event.target.value.trim()),
    onKeyDown: (event: React.KeyboardEvent<HTMLInputElement>) => {
      if (event.key === 'Enter') {
        write((event.target as HTMLInputElement).value.trim());
      }
    }
  });
  return (
    <div className="cp-Form" key={notebookPath}>
      {FIELDS.map(field => (
        <label key={field.key} className="cp-Form-row">
          <span className="cp-Form-label">{field.label}</span>
          <input
            className="jp-mod-styled cp-Form-input"
            data-setting={field.key}
            defaultValue={(metadata[field.key] as string | undefined) ?? ''}
            placeholder={field.placeholder}
            {...commit(value => (metadata[field.key] ?? '') !== value && onWrite(field.key, value))}
          />
        </label>
      ))}
      <label className="cp-Form-row">
        <span className="cp-Form-label">Backend</span>
        <select
          className="jp-mod-styled cp-Form-input"
          data-setting="backend"
          value={metadata.backend ?? ''}
          onChange={event => onWrite('backend', event.target.value)}
        >
          <option value="">from the settings</option>
          <option value="local">local</option>
          <option value="kubernetes">kubernetes (Argo)</option>
          <option value="kfp">Kubeflow Pipelines</option>
        </select>
      </label>
      {VOLUME.map(field => (
        <label key={field.key} className="cp-Form-row">
          <span className="cp-Form-label">{field.label}</span>
          <input
            className="jp-mod-styled cp-Form-input"
            data-setting={`volume.${field.key}`}
            defaultValue={volume[field.key] ?? ''}
            placeholder={field.placeholder}
            {...commit(value => (volume[field.key] ?? '') !== value && onWrite('volume', { ...volume, [field.key]: value || undefined }))}
          />
        </label>
      ))}
      <label className="cp-Form-row">
        <span className="cp-Form-label">Access mode</span>
        <select
          className="jp-mod-styled cp-Form-input"
          data-setting="volume.accessMode"
          value={volume.accessMode ?? ''}
          onChange={event => onWrite('volume', { ...volume, accessMode: event.target.value || undefined })}
        >
          <option value="">default (ReadWriteOnce)</option>
          <option value="ReadWriteOnce">ReadWriteOnce</option>
          <option value="ReadWriteMany">ReadWriteMany</option>
        </select>
      </label>
    </div>
  );
}
