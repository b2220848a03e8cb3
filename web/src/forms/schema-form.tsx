import type { ReactNode } from 'react';
import { useI18n } from '../i18n/i18n';
import { fieldKind, type JsonSchema, type RawValues } from './json-schema';

export interface SchemaFormProps {
  readonly schema: JsonSchema;
  readonly values: RawValues;
  readonly errors: Readonly<Record<string, string>>;
  /** Errors are shown for fields the reader has left, or all of them after a submit. */
  readonly shown: (path: string) => boolean;
  onChange(path: string, value: string | boolean): void;
  onBlur(path: string): void;
}

/** The fields of an input JSON Schema: one labelled control per property, nested objects as fieldsets. */
export function SchemaFields(props: SchemaFormProps) {
  return <>{fields(props.schema, '', props)}</>;
}

function fields(schema: JsonSchema, prefix: string, props: SchemaFormProps): ReactNode[] {
  return Object.entries(schema.properties ?? {}).map(([name, child]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    const required = schema.required?.includes(name) ?? false;
    if (fieldKind(child) === 'object') {
      return (
        <fieldset key={path} className="fieldset">
          <legend>{child.title ?? name}</legend>
          {child.description ? <p className="hint">{child.description}</p> : null}
          {fields(child, path, props)}
        </fieldset>
      );
    }
    return <Field key={path} {...props} path={path} name={name} schema={child} required={required} />;
  });
}

function Field(
  props: SchemaFormProps & { path: string; name: string; schema: JsonSchema; required: boolean },
) {
  const { m, f } = useI18n();
  const { path, schema } = props;
  const kind = fieldKind(schema);
  const id = `field-${path.replaceAll('.', '-')}`;
  const error = props.shown(path) ? props.errors[path] : undefined;
  const value = props.values[path];
  const hints: string[] = [];
  if (schema.description) hints.push(schema.description);
  if (schema.minimum !== undefined && schema.maximum !== undefined)
    hints.push(m.form.between(f.num(schema.minimum), f.num(schema.maximum)));
  if (schema.minLength !== undefined && schema.minLength > 1)
    hints.push(m.validation.minLength(schema.minLength));
  if (schema.maxLength !== undefined) hints.push(m.form.atMostChars(schema.maxLength));
  if (kind === 'json') hints.push(m.form.asJson);
  const describedBy =
    [hints.length ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: path,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    'aria-required': props.required || undefined,
    onBlur: () => props.onBlur(path),
  } as const;
  let control: ReactNode;
  switch (kind) {
    case 'boolean':
      control = (
        <input
          {...common}
          type="checkbox"
          checked={value === true}
          onChange={(e) => props.onChange(path, e.target.checked)}
        />
      );
      break;
    case 'enum':
      control = (
        <select
          {...common}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => props.onChange(path, e.target.value)}
        >
          <option value="">{m.form.choose}</option>
          {(schema.enum as string[]).map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      );
      break;
    case 'json':
      control = (
        <textarea
          {...common}
          rows={4}
          spellCheck={false}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => props.onChange(path, e.target.value)}
        />
      );
      break;
    default:
      control = (
        <input
          {...common}
          type="text"
          inputMode={kind === 'integer' ? 'numeric' : kind === 'number' ? 'decimal' : undefined}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => props.onChange(path, e.target.value)}
          autoComplete="off"
        />
      );
  }
  return (
    <div className={`field ${kind === 'boolean' ? 'field-check' : ''}`}>
      <label htmlFor={id}>
        {schema.title ?? props.name}
        {props.required ? <span className="required"> {m.form.requiredMark}</span> : null}
      </label>
      {control}
      {hints.length ? (
        <p id={`${id}-hint`} className="hint">
          {hints.join(' · ')}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="field-error" data-testid={`error-${path}`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}
