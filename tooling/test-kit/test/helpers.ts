/** Splits NUL-terminated git output (`-z`) into fields. */
export function splitNul(output: Buffer | string): string[] {
  const fields = output.toString('utf8').split('\0');
  if (fields.at(-1) === '') fields.pop();
  return fields;
}

/** One entry of `--name-status -z` output. */
export interface NameStatus {
  status: string;
  path: string;
  from?: string;
}

/** Parses `--name-status -z` output (renames and copies carry two paths). */
export function parseNameStatus(output: Buffer | string): NameStatus[] {
  const fields = splitNul(output).map((field) => field.replace(/^\n/, ''));
  const entries: NameStatus[] = [];
  for (let i = 0; i < fields.length; ) {
    const status = fields[i++] ?? '';
    if (/^[RC]/.test(status)) {
      entries.push({ status, from: fields[i] ?? '', path: fields[i + 1] ?? '' });
      i += 2;
    } else {
      entries.push({ status, path: fields[i++] ?? '' });
    }
  }
  return entries;
}

/** Non-empty lines of `text`. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}
