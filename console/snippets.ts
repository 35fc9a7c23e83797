/**
 * The request the page sent, as an AWS CLI command and as boto3 code to copy. Image bytes become a
 * file path placeholder: the CLI's --image-bytes (--source-image-bytes, --target-image-bytes for
 * CompareFaces) take fileb://PATH; boto3 reads the file.
 */
type Json = Record<string, unknown>;

const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z])([A-Z][a-z])/g, '$1-$2').toLowerCase();
const snake = (name: string) => kebab(name).replace(/-/g, '_');
const shellQuote = (text: string) => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

/** The file each image member's bytes stand for. */
export const IMAGE_FILES: Record<string, string> = { Image: 'photo.jpg', SourceImage: 'source.jpg', TargetImage: 'target.jpg' };

const hasBytes = (value: unknown): boolean => typeof value === 'object' && value !== null && 'Bytes' in value;

export function awsCli(operation: string, input: Json, endpoint: string, region: string): string {
  const args: string[] = [`aws rekognition ${kebab(operation)}`];
  for (const [member, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (IMAGE_FILES[member] && hasBytes(value)) args.push(`--${kebab(member)}-bytes fileb://${IMAGE_FILES[member]}`);
    else if (typeof value === 'string') args.push(`--${kebab(member)} ${shellQuote(value)}`);
    else if (typeof value === 'number' || typeof value === 'boolean') args.push(`--${kebab(member)} ${value}`);
    else args.push(`--${kebab(member)} ${shellQuote(JSON.stringify(value))}`);
  }
  args.push(`--endpoint-url ${endpoint}`, `--region ${region}`);
  return args.join(' \\\n    ');
}

function python(value: unknown, indent: string, member?: string): string {
  if (member && IMAGE_FILES[member] && hasBytes(value)) return `{'Bytes': ${snake(member)}_bytes}`;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const inner = `${indent}    `;
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[${value.map((v) => python(v, inner)).join(', ')}]`;
  const entries = Object.entries(value as Json).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}'${k}': ${python(v, inner, k)}`).join(',\n')},\n${indent}}`;
}

export function boto3(operation: string, input: Json, endpoint: string, region: string): string {
  const lines = ['import boto3', '', `client = boto3.client('rekognition', endpoint_url='${endpoint}', region_name='${region}')`, ''];
  for (const [member, value] of Object.entries(input)) {
    if (IMAGE_FILES[member] && hasBytes(value)) lines.push(`with open('${IMAGE_FILES[member]}', 'rb') as f:`, `    ${snake(member)}_bytes = f.read()`);
  }
  const args = Object.entries(input)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `    ${k}=${python(v, '    ', k)},`);
  lines.push('', `response = client.${snake(operation)}(`, ...args, ')', 'print(response)');
  return lines.join('\n').replace(/\n{3,}/g, '\n\n');
}
