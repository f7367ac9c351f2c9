/**
 * The remote-write messages the built-in sink decodes, as a protobufjs schema defined in code
 * (the .proto files import gogoproto, which a shipped binary does not carry). Field numbers
 * follow prompb/types.proto, prompb/remote.proto and prompb/io/prometheus/write/v2/types.proto.
 */
import * as protobuf from 'protobufjs';

const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: {
          fields: {
            timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 },
            metadata: { rule: 'repeated', type: 'MetricMetadata', id: 3 },
          },
        },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
        MetricMetadata: {
          fields: {
            type: { type: 'int32', id: 1 },
            metric_family_name: { type: 'string', id: 2 },
            help: { type: 'string', id: 4 },
            unit: { type: 'string', id: 5 },
          },
        },
      },
    },
    v2: {
      nested: {
        Request: {
          fields: {
            symbols: { rule: 'repeated', type: 'string', id: 4 },
            timeseries: { rule: 'repeated', type: 'TimeSeries', id: 5 },
          },
        },
        TimeSeries: {
          fields: {
            labels_refs: { rule: 'repeated', type: 'uint32', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
      },
    },
  },
});

export const WriteRequestV1 = root.lookupType('prometheus.WriteRequest');
export const RequestV2 = root.lookupType('v2.Request');

export interface DecodedSeries {
  labels: [string, string][];
  samples: { value: number; timestamp: number }[];
}

const TO_OBJECT = { longs: Number, defaults: true, arrays: true };

/** Decodes an uncompressed 1.0 or 2.0 request into label pairs and samples. */
export function decodeRequest(bytes: Uint8Array, version2: boolean): DecodedSeries[] {
  if (!version2) {
    const message = WriteRequestV1.toObject(WriteRequestV1.decode(bytes), TO_OBJECT) as {
      timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }[];
    };
    return message.timeseries.map((ts) => ({ labels: ts.labels.map((l) => [l.name, l.value]), samples: ts.samples }));
  }
  const message = RequestV2.toObject(RequestV2.decode(bytes), TO_OBJECT) as {
    symbols: string[];
    timeseries: { labels_refs: number[]; samples: { value: number; timestamp: number }[] }[];
  };
  return message.timeseries.map((ts) => {
    const labels: [string, string][] = [];
    for (let i = 0; i + 1 < ts.labels_refs.length; i += 2) labels.push([message.symbols[ts.labels_refs[i]], message.symbols[ts.labels_refs[i + 1]]]);
    return { labels, samples: ts.samples };
  });
}
