/** Flags and their environment twins (REKOGNITION_LOCAL_<FLAG>), flags winning. */
import { parseArgs } from 'node:util';
import { defaultConfig, type Config, type Credential } from '../src/emulator';

export const usage = `rekognition-local: an offline Amazon Rekognition

Options (each also read from the environment variable shown):
  --port N              listening port (REKOGNITION_LOCAL_PORT, default 4599; 0 picks a free one)
  --host HOST           listening address (REKOGNITION_LOCAL_HOST, default 0.0.0.0)
  --data-dir DIR        persist state in SQLite under DIR (REKOGNITION_LOCAL_DATA_DIR; default in memory)
  --s3-dir DIR          read S3 objects from DIR/<Bucket>/<Key>, a Version from
                        DIR/<Bucket>/<Key>.versions/<Version> (REKOGNITION_LOCAL_S3_DIR)
  --s3-endpoint URL     read S3 objects from an S3-compatible endpoint (REKOGNITION_LOCAL_S3_ENDPOINT,
                        else AWS_ENDPOINT_URL_S3)
  --sns-endpoint URL    publish video job completions to an SNS-compatible endpoint
                        (REKOGNITION_LOCAL_SNS_ENDPOINT, else AWS_ENDPOINT_URL_SNS)
  --notify-url URL      also POST each video job completion message here (REKOGNITION_LOCAL_NOTIFY_URL)
  --kinesis-endpoint URL
                        put face search stream processor records to a Kinesis-compatible endpoint
                        (REKOGNITION_LOCAL_KINESIS_ENDPOINT, else AWS_ENDPOINT_URL_KINESIS)
  --celebrities-dir DIR celebrity gallery for RecognizeCelebrities: DIR/<Name>/*.jpg|png, optional
                        DIR/<Name>/meta.json {Id, Urls, KnownGender} (REKOGNITION_LOCAL_CELEBRITIES_DIR)
  --strict-auth         verify SigV4 signatures (REKOGNITION_LOCAL_STRICT_AUTH=1)
  --credentials LIST    accepted keys as AKID:SECRET[,AKID:SECRET...] (REKOGNITION_LOCAL_CREDENTIALS)
  --control-token T     token the control plane requires as 'Authorization: Bearer T' (health, ready excepted);
                        with --strict-auth and no token the control plane is closed (REKOGNITION_LOCAL_CONTROL_TOKEN)
  --queue-limits I,O    requests in flight before ThrottlingException: I model-backed image operations,
                        O all others (REKOGNITION_LOCAL_QUEUE_LIMITS, default 16,256)
  --default-region R    region when a request is unsigned (REKOGNITION_LOCAL_DEFAULT_REGION, default us-east-1)
  --log-level LEVEL     debug, info, warn or error (REKOGNITION_LOCAL_LOG_LEVEL, default info)
  --log-format FORMAT   text or json (one JSON object per line) (REKOGNITION_LOCAL_LOG_FORMAT, default text)
  --model-config FILE   use your own ONNX models, per docs/MODEL-PLUGINS.md (REKOGNITION_LOCAL_MODEL_CONFIG)
  --lazy-models         load each model on first use instead of at start (REKOGNITION_LOCAL_LAZY_MODELS=1)
  --cors-origins LIST   origins whose browser pages may call the endpoint: * or ORIGIN[,ORIGIN...],
                        e.g. http://localhost:3000 (REKOGNITION_LOCAL_CORS_ORIGINS, default *)
  --decode-budget-mb N  memory concurrent image decodes may hold, in MiB; excess waits
                        (REKOGNITION_LOCAL_DECODE_BUDGET_MB, default 2048)
  --video-job-timeout S a stored-video job running longer fails, in seconds
                        (REKOGNITION_LOCAL_VIDEO_JOB_TIMEOUT, default 21600: AWS's longest video)
  --user-update-delay S how long a user stays UPDATING after AssociateFaces or DisassociateFaces, in
                        seconds; 0 makes it ACTIVE at once (REKOGNITION_LOCAL_USER_UPDATE_DELAY, default 2)
  --help                this text
  --version             the version
`;

const env = (name: string) => process.env[`REKOGNITION_LOCAL_${name}`];
/** A boolean environment twin: `1` or `true` turns it on. */
const flagEnv = (name: string) => env(name) === '1' || env(name) === 'true';

function parseCredentials(list: string | undefined): Credential[] {
  if (!list) return [];
  return list
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const i = pair.indexOf(':');
      if (i <= 0) throw new Error(`credentials entry '${pair}' is not AKID:SECRET`);
      return { accessKeyId: pair.slice(0, i), secretAccessKey: pair.slice(i + 1) };
    });
}

/** `*`, or a comma list of origins such as `http://localhost:3000` (scheme, host and port only). */
function parseCorsOrigins(list: string | undefined): Config['corsOrigins'] {
  if (list === undefined || list.trim() === '*') return defaultConfig.corsOrigins;
  const origins = list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const url = URL.canParse(entry) ? new URL(entry) : undefined;
      // A browser's Origin header is only scheme://host[:port]: a path or query would never match.
      const isOrigin = url && /^https?:$/.test(url.protocol) && url.pathname === '/' && !url.search && !url.hash && !url.username;
      if (!isOrigin) throw new Error(`--cors-origins entry '${entry}' is not an origin such as http://localhost:3000 (or give * for any)`);
      return url.origin;
    });
  if (origins.length === 0) throw new Error('--cors-origins needs * or at least one origin such as http://localhost:3000');
  return origins;
}

/** A number above 0 given as a flag or its environment twin; `fallback` when absent. */
function positive(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`invalid --${flag} ${text}`);
  return value;
}

/** A number of 0 or more given as a flag or its environment twin; `fallback` when absent. */
function notNegative(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new Error(`invalid --${flag} ${text}`);
  return value;
}

function parseQueueLimits(text: string | undefined): Config['queueLimits'] {
  if (text === undefined) return defaultConfig.queueLimits;
  const [image, other] = text.split(',').map((n) => Number(n.trim()));
  if (![image, other].every((n) => Number.isInteger(n) && n > 0)) throw new Error(`queue limits '${text}' are not two positive integers IMAGE,OTHER`);
  return { image, other };
}

export function parseConfig(argv: string[]): Config | 'help' | 'version' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      's3-dir': { type: 'string' },
      's3-endpoint': { type: 'string' },
      'celebrities-dir': { type: 'string' },
      'sns-endpoint': { type: 'string' },
      'notify-url': { type: 'string' },
      'kinesis-endpoint': { type: 'string' },
      'strict-auth': { type: 'boolean' },
      credentials: { type: 'string' },
      'control-token': { type: 'string' },
      'queue-limits': { type: 'string' },
      'default-region': { type: 'string' },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      'model-config': { type: 'string' },
      'lazy-models': { type: 'boolean' },
      'cors-origins': { type: 'string' },
      'decode-budget-mb': { type: 'string' },
      'video-job-timeout': { type: 'string' },
      'user-update-delay': { type: 'string' },
      help: { type: 'boolean' },
      version: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  if (values.version) return 'version';
  const port = Number(values.port ?? env('PORT') ?? defaultConfig.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${values.port ?? env('PORT')}`);
  const logLevel = (values['log-level'] ?? env('LOG_LEVEL') ?? defaultConfig.logLevel) as Config['logLevel'];
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new Error(`invalid log level ${logLevel}`);
  const logFormat = (values['log-format'] ?? env('LOG_FORMAT') ?? defaultConfig.logFormat) as Config['logFormat'];
  if (!['text', 'json'].includes(logFormat)) throw new Error(`invalid log format ${logFormat} (text or json)`);
  return {
    ...defaultConfig,
    port,
    host: values.host ?? env('HOST') ?? defaultConfig.host,
    dataDir: values['data-dir'] ?? env('DATA_DIR'),
    s3Dir: values['s3-dir'] ?? env('S3_DIR'),
    s3Endpoint: values['s3-endpoint'] ?? env('S3_ENDPOINT') ?? process.env.AWS_ENDPOINT_URL_S3,
    celebritiesDir: values['celebrities-dir'] ?? env('CELEBRITIES_DIR'),
    snsEndpoint: values['sns-endpoint'] ?? env('SNS_ENDPOINT') ?? process.env.AWS_ENDPOINT_URL_SNS,
    notifyUrl: values['notify-url'] ?? env('NOTIFY_URL'),
    kinesisEndpoint: values['kinesis-endpoint'] ?? env('KINESIS_ENDPOINT') ?? process.env.AWS_ENDPOINT_URL_KINESIS,
    strictAuth: values['strict-auth'] ?? flagEnv('STRICT_AUTH'),
    credentials: parseCredentials(values.credentials ?? env('CREDENTIALS')),
    controlToken: values['control-token'] ?? env('CONTROL_TOKEN') ?? defaultConfig.controlToken,
    queueLimits: parseQueueLimits(values['queue-limits'] ?? env('QUEUE_LIMITS')),
    defaultRegion: values['default-region'] ?? env('DEFAULT_REGION') ?? defaultConfig.defaultRegion,
    logLevel,
    logFormat,
    modelConfig: values['model-config'] ?? env('MODEL_CONFIG'),
    lazyModels: values['lazy-models'] ?? flagEnv('LAZY_MODELS'),
    corsOrigins: parseCorsOrigins(values['cors-origins'] ?? env('CORS_ORIGINS')),
    decodeBudgetMb: positive('decode-budget-mb', values['decode-budget-mb'] ?? env('DECODE_BUDGET_MB'), defaultConfig.decodeBudgetMb),
    videoJobTimeoutSeconds: positive('video-job-timeout', values['video-job-timeout'] ?? env('VIDEO_JOB_TIMEOUT'), defaultConfig.videoJobTimeoutSeconds),
    userUpdateDelaySeconds: notNegative('user-update-delay', values['user-update-delay'] ?? env('USER_UPDATE_DELAY'), defaultConfig.userUpdateDelaySeconds),
  };
}
