import React from 'react';
import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import { configProblems, type StepConfigForm } from '../core/notebook';

/** The dialog's body: a form whose values `getValue` returns. */
class StepConfigBody extends ReactWidget {
  private form: StepConfigForm;

  constructor(
    initial: StepConfigForm,
    private readonly stepNames: string[]
  ) {
    super();
    this.form = { ...initial, after: [...initial.after] };
    this.addClass('cp-ConfigureDialog');
  }

  getValue(): StepConfigForm {
    return this.form;
  }

  render(): JSX.Element {
    const field = (key: Exclude<keyof StepConfigForm, 'cache' | 'after'>, label: string, placeholder: string) => (
      <label className="cp-Form-row">
        <span className="cp-Form-label">{label}</span>
        <input
          className="jp-mod-styled cp-Form-input"
          name={key}
          defaultValue={this.form[key]}
          placeholder={placeholder}
          onChange={event => (this.form[key] = event.target.value)}
        />
      </label>
    );
    return (
      <div className="cp-Form">
        {field('image', 'Image', 'the pipeline default')}
        {field('cpu', 'CPU limit', 'e.g. 2 or 500m')}
        {field('memory', 'Memory limit', 'e.g. 4Gi')}
        {field('gpu', 'GPUs', 'e.g. 1')}
        {field('retries', 'Retries', 'e.g. 2')}
        {field('timeout', 'Timeout', 'e.g. 30m, 1h30m')}
        <label className="cp-Form-row">
          <span className="cp-Form-label">Cache</span>
          <select
            className="jp-mod-styled cp-Form-input"
            name="cache"
            defaultValue={this.form.cache}
            onChange={event => (this.form.cache = event.target.value as StepConfigForm['cache'])}
          >
            <option value="default">default (on)</option>
            <option value="enabled">enabled</option>
            <option value="disabled">disabled</option>
          </select>
        </label>
        {field('foreach', 'For each item of', 'a list an earlier step makes: the loop runs once per item, in parallel')}
        {field('itemsAtOnce', 'Items at once', 'most items running at once (default: as many as workers)')}
        <label className="cp-Form-row">
          <span className="cp-Form-label">Run after</span>
          <input
            className="jp-mod-styled cp-Form-input"
            name="after"
            list="cp-step-names"
            defaultValue={this.form.after.join(', ')}
            placeholder="step names, comma separated (besides the data dependencies)"
            onChange={event =>
              (this.form.after = event.target.value
                .split(',')
                .map(s => s.trim())
                .filter(Boolean))
            }
          />
          <datalist id="cp-step-names">
            {this.stepNames.map(name => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </label>
      </div>
    );
  }
}

/** Asks for a step's configuration; resolves with the new values, or null when cancelled. */
export async function configureStep(stepName: string, initial: StepConfigForm, stepNames: string[]): Promise<StepConfigForm | null> {
  let current = initial;
  for (;;) {
    const result = await showDialog({
      title: `Configure step ${stepName}`,
      body: new StepConfigBody(
        current,
        stepNames.filter(n => n !== stepName)
      ),
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Save' })]
    });
    if (!result.button.accept || !result.value) {
      return null;
    }
    const problems = configProblems(result.value);
    if (!problems.length) {
      return result.value;
    }
    current = result.value;
    await showDialog({
      title: 'These values cannot be used',
      body: problems.join('\n'),
      buttons: [Dialog.okButton({ label: 'Edit again' })]
    });
  }
}
