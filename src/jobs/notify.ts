/**
 * Completion notifications. AWS publishes one message to the job's NotificationChannel SNS topic
 * (AWS-BEHAVIOUR §3.13); here it goes to an SNS-compatible endpoint (--sns-endpoint, else
 * AWS_ENDPOINT_URL_SNS), and to --notify-url as a plain JSON POST for setups without SNS.
 * A failed delivery is logged; it never changes the job.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { NotificationChannel, Video } from '../api/generated/types';
import type { Runtime } from '../runtime/context';
import type { SdkClients } from '../runtime/sdk-clients';

export interface CompletionMessage {
  JobId: string;
  Status: 'SUCCEEDED' | 'FAILED';
  API: string;
  JobTag?: string;
  Timestamp: number;
  Video: { S3ObjectName?: string; S3Bucket?: string };
}

/** AWS's message: compact JSON in this key order, JobTag left out when the request had none. */
export function completionMessage(m: { jobId: string; status: 'SUCCEEDED' | 'FAILED'; api: string; jobTag?: string; timestamp: number; video?: Video }): string {
  const message: CompletionMessage = {
    JobId: m.jobId,
    Status: m.status,
    API: m.api,
    ...(m.jobTag !== undefined ? { JobTag: m.jobTag } : {}),
    Timestamp: m.timestamp,
    Video: { S3ObjectName: m.video?.S3Object?.Name, S3Bucket: m.video?.S3Object?.Bucket },
  };
  return JSON.stringify(message);
}

function snsClient(clients: SdkClients, endpoint: string, region: string): SNSClient {
  return clients.get('sns', endpoint, region, (base) => new SNSClient({ ...base, maxAttempts: 3 }));
}

/** arn:aws:sns:<region>:<account>:<name> → region (the topic's, not the job's). */
function topicRegion(arn: string, fallback: string): string {
  return arn.split(':')[3] || fallback;
}

/** What delivering needs from the runtime. */
export type NotifyRuntime = Pick<Runtime, 'config' | 'clients' | 'log'>;

/** `subject` sets the SNS Subject (stream processor events have one; job completions do not). */
export async function deliverCompletion(
  { config, clients, log }: NotifyRuntime,
  channel: Pick<NotificationChannel, 'SNSTopicArn'> | undefined,
  message: string,
  region: string,
  subject?: string,
): Promise<void> {
  const deliveries: Promise<void>[] = [];
  if (channel?.SNSTopicArn) {
    const endpoint = config.snsEndpoint ?? process.env.AWS_ENDPOINT_URL_SNS;
    if (!endpoint) {
      log.warn('completion notification not sent: no SNS endpoint (set --sns-endpoint or AWS_ENDPOINT_URL_SNS)', { topic: channel.SNSTopicArn });
    } else {
      const topic = channel.SNSTopicArn;
      deliveries.push(
        snsClient(clients, endpoint, topicRegion(topic, region))
          .send(new PublishCommand({ TopicArn: topic, Message: message, Subject: subject }))
          .then(
            () => log.debug('completion published to SNS', { topic }),
            (err: Error) => log.warn('SNS publish failed', { topic, endpoint, error: err.message }),
          ),
      );
    }
  }
  if (config.notifyUrl) {
    const url = config.notifyUrl;
    deliveries.push(
      fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: message, signal: AbortSignal.timeout(10_000) }).then(
        async (res) => {
          await res.arrayBuffer().catch(() => undefined);
          if (!res.ok) log.warn('notify-url answered an error', { url, status: res.status });
        },
        (err: Error) => log.warn('notify-url POST failed', { url, error: err.message }),
      ),
    );
  }
  await Promise.all(deliveries);
}
