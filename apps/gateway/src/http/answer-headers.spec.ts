import { answerHeadersFor } from './answer-headers';

describe('answerHeadersFor', () => {
  it('adds HSTS for a service published over https, and only then', () => {
    expect(answerHeadersFor('https://self-service.example.com')).toEqual({
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'strict-transport-security': 'max-age=31536000',
    });
    expect(answerHeadersFor('http://127.0.0.1:8080')).toEqual({
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
  });
});
