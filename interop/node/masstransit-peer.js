'use strict';
// A MassTransit peer written with a foreign AMQP client (Node.js + amqplib), to check Omnibus's
// MassTransit wire from outside the JVM. It behaves as a .NET MassTransit service would:
//  (a) publishes SubmitOrder to the type's exchange `Acme.Interop:SubmitOrder` and sends a CheckStock
//      request (requestId, a temporary responseAddress) to an Omnibus endpoint;
//  (b) consumes what Omnibus publishes in reaction (OrderAccepted) and the response (StockStatus), and
//      checks envelope fields, AMQP properties and the AMQP header table.
// Every mismatch is printed as `MISMATCH <what>: expected <x>, was <y>`; the exit code is 0 when
// everything matched, 1 on a mismatch, 2 on an error or when the deadline passed.
//
// Environment: AMQP_URL (default amqp://guest:guest@127.0.0.1:5672), RUN_ID (names this run's queues
// and the ids the Omnibus side waits for), STOCK_QUEUE (the Omnibus endpoint that answers CheckStock),
// ADDRESS_HOST (host[:port] as Omnibus writes it in addresses, default 127.0.0.1), DEADLINE_MS.

const amqp = require('amqplib');
const crypto = require('crypto');

const url = process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672';
const run = process.env.RUN_ID || crypto.randomBytes(4).toString('hex');
const stockQueue = process.env.STOCK_QUEUE || `interop-stock-${run}`;
const addressHost = process.env.ADDRESS_HOST || '127.0.0.1';
const deadlineMs = Number(process.env.DEADLINE_MS || 30000);

const CONTENT_TYPE = 'application/vnd.masstransit+json';
const GUID_D = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/;
const mismatches = [];

function expect(what, actual, expected) {
  const same = typeof expected === 'function' ? expected(actual) : JSON.stringify(actual) === JSON.stringify(expected);
  if (!same) {
    const want = typeof expected === 'function' ? (expected.description || 'a valid value') : JSON.stringify(expected);
    mismatches.push(`MISMATCH ${what}: expected ${want}, was ${JSON.stringify(actual)}`);
  }
}
const guid = Object.assign((v) => typeof v === 'string' && GUID_D.test(v), { description: 'a lowercase D-format GUID' });
const time = Object.assign((v) => typeof v === 'string' && TIME.test(v), { description: 'UTC ISO-8601, <= 7 fractional digits' });

function headerText(v) {
  return Buffer.isBuffer(v) ? v.toString('utf8') : v;
}

// MassTransit's envelope as System.Text.Json writes it: every field, nulls written, camelCase.
function envelope(fields) {
  return {
    messageId: crypto.randomUUID(),
    requestId: null,
    correlationId: null,
    conversationId: crypto.randomUUID(),
    initiatorId: null,
    sourceAddress: `rabbitmq://${addressHost}/node-client_bus_${run}?temporary=true`,
    destinationAddress: null,
    responseAddress: null,
    faultAddress: null,
    messageType: [],
    message: {},
    expirationTime: null,
    sentTime: new Date().toISOString(),
    headers: { 'Application-Header': 'SomeValue' },
    host: {
      machineName: 'node-peer', processName: 'node', processId: process.pid, assembly: 'masstransit-peer',
      assemblyVersion: '1.0.0.0', frameworkVersion: process.version, massTransitVersion: '8.0.10.0',
      operatingSystemVersion: process.platform,
    },
    ...fields,
  };
}

async function publish(ch, exchange, env) {
  // as RabbitMqSendTransportContext does: content type, message id, persistent, headers copied
  ch.publish(exchange, '', Buffer.from(JSON.stringify(env, null, 2)), {
    contentType: CONTENT_TYPE,
    messageId: env.messageId,
    correlationId: env.correlationId || undefined,
    persistent: true,
    headers: { 'Application-Header': 'SomeValue' },
  });
  await ch.waitForConfirms();
}

function next(queue, predicate, what) {
  return new Promise((resolve) => {
    const found = (m) => predicate(m) && resolve(m);
    queue.waiters.push({ found, what });
    for (const m of queue.seen) found(m);
  });
}

async function capture(ch, exchange, options) {
  const q = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
  await ch.bindQueue(q.queue, exchange, '');
  const state = { seen: [], waiters: [] };
  await ch.consume(q.queue, (msg) => {
    let body;
    try { body = JSON.parse(msg.content.toString('utf8')); } catch (e) { body = { notJson: msg.content.toString('utf8') }; }
    const m = { properties: msg.properties, fields: msg.fields, body };
    state.seen.push(m);
    for (const w of state.waiters) w.found(m);
  }, { noAck: true, ...options });
  return state;
}

async function main() {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createConfirmChannel();
    // this client's bus endpoint, declared as MassTransit declares one: temporary
    const replyName = `node-client_bus_${run}`;
    await ch.assertExchange(replyName, 'fanout', { durable: false, autoDelete: true });
    await ch.assertQueue(replyName, { durable: false, autoDelete: true, arguments: { 'x-expires': 60000 } });
    await ch.bindQueue(replyName, replyName, '');
    for (const ex of ['Acme.Interop:SubmitOrder', 'Acme.Interop:OrderAccepted']) {
      await ch.assertExchange(ex, 'fanout', { durable: true, autoDelete: false });
    }
    const accepted = await capture(ch, 'Acme.Interop:OrderAccepted');
    const replies = await capture(ch, replyName);

    // (a) publish SubmitOrder as a .NET service would
    const orderId = crypto.randomUUID();
    const correlationId = crypto.randomUUID();
    const submit = envelope({
      correlationId,
      destinationAddress: `rabbitmq://${addressHost}/Acme.Interop:SubmitOrder`,
      messageType: ['urn:message:Acme.Interop:SubmitOrder'],
      message: { orderId, customer: `node-${run}`, total: '12.50', priority: 2 },
    });
    await publish(ch, 'Acme.Interop:SubmitOrder', submit);
    console.log(`published SubmitOrder ${submit.messageId} (orderId ${orderId})`);

    // (b) what Omnibus published in reaction
    const got = await next(accepted, (m) => m.body.message && m.body.message.orderId === orderId, 'OrderAccepted');
    const e = got.body;
    const p = got.properties;
    expect('OrderAccepted content_type', p.contentType, CONTENT_TYPE);
    expect('OrderAccepted delivery_mode', p.deliveryMode, 2);
    expect('OrderAccepted messageId', e.messageId, guid);
    expect('OrderAccepted message_id property = envelope messageId', p.messageId, e.messageId);
    expect('OrderAccepted conversationId (kept from SubmitOrder)', e.conversationId, submit.conversationId);
    // MassTransit does not carry the consumed correlationId to what a consumer publishes
    // (SendContextExtensions.TransferConsumeContextHeaders copies conversationId, initiatorId, headers)
    expect('OrderAccepted correlationId', e.correlationId, null);
    expect('OrderAccepted initiatorId (MassTransit: the consumed correlationId)', e.initiatorId, correlationId);
    expect('OrderAccepted messageType', e.messageType, ['urn:message:Acme.Interop:OrderAccepted']);
    expect('OrderAccepted destinationAddress', e.destinationAddress, `rabbitmq://${addressHost}/Acme.Interop:OrderAccepted`);
    expect('OrderAccepted sourceAddress', e.sourceAddress, (v) => typeof v === 'string' && v.startsWith(`rabbitmq://${addressHost}/`));
    expect('OrderAccepted sentTime', e.sentTime, time);
    expect('OrderAccepted envelope header Application-Header', (e.headers || {})['Application-Header'], 'SomeValue');
    expect('OrderAccepted AMQP header Application-Header', headerText((p.headers || {})['Application-Header']), 'SomeValue');
    expect('OrderAccepted message.orderId', e.message && e.message.orderId, orderId);
    expect('OrderAccepted message.priority (enum as a number)', e.message && e.message.priority, 2);
    // MassTransit writes decimal as a JSON string (StringDecimalJsonConverter)
    expect('OrderAccepted message.total (decimal as a string)', e.message && e.message.total, '12.50');
    console.log(`consumed OrderAccepted ${e.messageId}`);

    // (a) a request with a temporary responseAddress, as MassTransit's request client sends it
    const requestId = crypto.randomUUID();
    const sku = `sku-${run}`;
    const responseAddress = `rabbitmq://${addressHost}/${replyName}?temporary=true`;
    const request = envelope({
      requestId,
      destinationAddress: `rabbitmq://${addressHost}/${stockQueue}`,
      responseAddress,
      messageType: ['urn:message:Acme.Interop:CheckStock'],
      message: { sku },
      headers: { 'Application-Header': 'SomeValue', 'MT-Request-AcceptType': ['urn:message:Acme.Interop:StockStatus'] },
    });
    await publish(ch, stockQueue, request);
    console.log(`sent CheckStock request ${requestId}`);
    const reply = await next(replies, (m) => m.body.requestId === requestId, 'StockStatus');
    const r = reply.body;
    expect('StockStatus content_type', reply.properties.contentType, CONTENT_TYPE);
    expect('StockStatus message_id property = envelope messageId', reply.properties.messageId, r.messageId);
    expect('StockStatus requestId', r.requestId, requestId);
    expect('StockStatus conversationId', r.conversationId, request.conversationId);
    expect('StockStatus initiatorId (MassTransit: the request\'s requestId)', r.initiatorId, requestId);
    expect('StockStatus destinationAddress', r.destinationAddress, responseAddress);
    expect('StockStatus messageType', r.messageType, ['urn:message:Acme.Interop:StockStatus']);
    expect('StockStatus message', r.message, { sku, available: 7 });
    expect('StockStatus AMQP header Application-Header', headerText((reply.properties.headers || {})['Application-Header']), 'SomeValue');
    console.log(`consumed StockStatus ${r.messageId}`);
    await ch.close();
  } finally {
    await conn.close();
  }
}

const timer = setTimeout(() => {
  console.error(`ERROR: deadline of ${deadlineMs} ms passed; ${mismatches.length} mismatches so far`);
  mismatches.forEach((m) => console.error(m));
  process.exit(2);
}, deadlineMs);

main().then(() => {
  clearTimeout(timer);
  if (mismatches.length > 0) {
    mismatches.forEach((m) => console.error(m));
    console.error(`FAILED: ${mismatches.length} field(s) differ from MassTransit's wire`);
    process.exit(1);
  }
  console.log('OK: every field matched MassTransit\'s wire');
  process.exit(0);
}, (err) => {
  clearTimeout(timer);
  console.error(`ERROR: ${err && err.stack ? err.stack : err}`);
  process.exit(2);
});
