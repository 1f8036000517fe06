import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors/index.js';
import { PROBLEM_MEMBERS, renderProblem } from './renderers.js';

describe('problem+json renderer', () => {
  it('never lets details overwrite the RFC 9457 members, code or request_id', () => {
    const hostile = Object.fromEntries([...PROBLEM_MEMBERS].map((k) => [k, 'overwritten']));
    const rendered = renderProblem(
      new AppError('http.not_found', { details: { ...hostile, resource: 'x' } }),
      'req_1',
      '/v1/x',
    );
    expect(rendered.body).toEqual({
      type: 'urn:bulwark:error:http.not_found',
      title: 'Not found',
      status: 404,
      code: 'http.not_found',
      detail: 'Not found',
      instance: '/v1/x',
      request_id: 'req_1',
      resource: 'x',
    });
  });
});
