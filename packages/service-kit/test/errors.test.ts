import {
  ApiError,
  badRequest,
  DATA_STRUCTURE_REQUIRED,
  forbidden,
  gone,
  internalError,
  notFound,
  payloadTooLarge,
  unauthorized,
  unprocessable,
  unprocessableEntity,
  ValidationErrors,
  type ErrorItem,
} from '../src/errors';

/** Status and the exact serialised body (key order included). */
function wire(err: ApiError): { status: number; body: string } {
  return { status: err.statusCode, body: JSON.stringify(err.body) };
}

describe('ApiError', () => {
  it('is an Error named ApiError, expected by default, with no extra headers', () => {
    const err = new ApiError(418, { error: 'teapot' });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ApiError');
    expect(err.message).toBe('teapot');
    expect(err.expected).toBe(true);
    expect(err.headers).toEqual({});
  });

  it('builds its message from the error items', () => {
    const err = new ApiError(422, {
      errors: [
        { title: 'a', detail: 'one' },
        { title: 'b', detail: 'two' },
      ],
    });
    expect(err.message).toBe('a: one; b: two');
  });

  it('carries custom headers and the expected flag', () => {
    const err = new ApiError(429, { error: 'Retry later' }, true, { 'retry-after': '300' });
    expect(err.headers).toEqual({ 'retry-after': '300' });
    expect(new ApiError(500, { error: 'x' }, false).expected).toBe(false);
  });
});

describe('error helpers (docs/compatibility.md, "Kept DfE behaviour that may surprise")', () => {
  it('badRequest: 400 JSON:API-like shape', () => {
    expect(wire(badRequest("'#/filter' is not a valid field"))).toEqual({
      status: 400,
      body: `{"errors":[{"title":"Bad request","detail":"'#/filter' is not a valid field"}]}`,
    });
  });

  it('the data-structure 400', () => {
    expect(DATA_STRUCTURE_REQUIRED).toBe('correct json data structure required. See API docs for reference');
    expect(wire(badRequest(DATA_STRUCTURE_REQUIRED)).body).toBe(
      '{"errors":[{"title":"Bad request","detail":"correct json data structure required. See API docs for reference"}]}',
    );
  });

  it('unauthorized: 401 legacy shape', () => {
    expect(wire(unauthorized())).toEqual({ status: 401, body: '{"error":"HTTP Token: Access denied"}' });
    expect(unauthorized().headers).toEqual({});
  });

  it('forbidden: 403 with the given title and detail', () => {
    expect(
      wire(
        forbidden(
          'Cannot modify declaration',
          'The declaration cannot be modified because it was created by another lead provider',
        ),
      ),
    ).toEqual({
      status: 403,
      body: '{"errors":[{"title":"Cannot modify declaration","detail":"The declaration cannot be modified because it was created by another lead provider"}]}',
    });
  });

  it('notFound: 404 legacy shape', () => {
    expect(wire(notFound())).toEqual({ status: 404, body: '{"error":"Resource not found"}' });
  });

  it('gone: 410 with the items as given, extra members included', () => {
    const from = '11111111-1111-4111-8111-111111111111';
    const to = '22222222-2222-4222-8222-222222222222';
    const item: ErrorItem = {
      title: 'Participant ID has been changed',
      detail: `The participant_id '${from}' has been replaced with '${to}'.`,
      participant_id_changes: [
        { from_participant_id: from, to_participant_id: to, changed_at: '2023-07-01T12:00:00Z' },
      ],
    };
    expect(wire(gone([item]))).toEqual({
      status: 410,
      body: `{"errors":[{"title":"Participant ID has been changed","detail":"The participant_id '${from}' has been replaced with '${to}'.","participant_id_changes":[{"from_participant_id":"${from}","to_participant_id":"${to}","changed_at":"2023-07-01T12:00:00Z"}]}]}`,
    });
  });

  it('payloadTooLarge: 413 JSON envelope naming the limit', () => {
    expect(wire(payloadTooLarge(1024))).toEqual({
      status: 413,
      body: '{"errors":[{"title":"Payload too large","detail":"The request body must not be larger than 1024 bytes"}]}',
    });
  });

  it('unprocessable: 422 with the items as given', () => {
    expect(
      wire(
        unprocessable([
          {
            title: 'funded_place',
            detail: "The entered '#/funded_place' is missing from your request. Check details and try again.",
          },
        ]),
      ),
    ).toEqual({
      status: 422,
      body: `{"errors":[{"title":"funded_place","detail":"The entered '#/funded_place' is missing from your request. Check details and try again."}]}`,
    });
  });

  it('unprocessableEntity: the generic 422 legacy shape', () => {
    expect(wire(unprocessableEntity())).toEqual({ status: 422, body: '{"error":"Unprocessable entity"}' });
  });

  it('internalError: 500, not expected', () => {
    const err = internalError();
    expect(wire(err)).toEqual({ status: 500, body: '{"error":"Internal server error"}' });
    expect(err.expected).toBe(false);
  });

  it('client errors are expected', () => {
    for (const err of [
      badRequest('x'),
      unauthorized(),
      forbidden('a', 'b'),
      notFound(),
      gone([]),
      payloadTooLarge(1),
      unprocessable([]),
      unprocessableEntity(),
    ]) {
      expect(err.expected).toBe(true);
    }
  });

  it('each call returns a fresh error', () => {
    expect(notFound()).not.toBe(notFound());
  });
});

describe('ValidationErrors', () => {
  it('starts empty', () => {
    const errors = new ValidationErrors();
    expect(errors.any()).toBe(false);
    expect(errors.items()).toEqual([]);
    expect(errors.has('x')).toBe(false);
    expect(() => errors.throwIfAny()).not.toThrow();
  });

  it('groups by attribute in the order each attribute first failed, messages in the order added', () => {
    const errors = new ValidationErrors()
      .add('declaration_date', "Enter a valid RFC3339 '#/declaration_date'.")
      .add('declaration_type', "Enter a '#/declaration_type'.")
      .add('declaration_date', "Enter a '#/declaration_date'.")
      .add('declaration_type', "The entered '#/declaration_type' is not recognised.");
    expect(errors.items()).toEqual([
      { title: 'declaration_date', detail: "Enter a valid RFC3339 '#/declaration_date'." },
      { title: 'declaration_date', detail: "Enter a '#/declaration_date'." },
      { title: 'declaration_type', detail: "Enter a '#/declaration_type'." },
      { title: 'declaration_type', detail: "The entered '#/declaration_type' is not recognised." },
    ]);
  });

  it('de-duplicates messages per attribute only', () => {
    const errors = new ValidationErrors()
      .add('base', 'same')
      .add('cohort', 'same')
      .add('base', 'same')
      .add('base', 'other')
      .add('cohort', 'same');
    expect(errors.items()).toEqual([
      { title: 'base', detail: 'same' },
      { title: 'base', detail: 'other' },
      { title: 'cohort', detail: 'same' },
    ]);
  });

  it('items have exactly title then detail', () => {
    const errors = new ValidationErrors().add('funded_place', 'msg');
    expect(JSON.stringify(errors.items())).toBe('[{"title":"funded_place","detail":"msg"}]');
  });

  it('any() and has() reflect what was added', () => {
    const errors = new ValidationErrors().add('cohort', 'x');
    expect(errors.any()).toBe(true);
    expect(errors.has('cohort')).toBe(true);
    expect(errors.has('course_identifier')).toBe(false);
  });

  it('throwIfAny throws a 422 ApiError with the items', () => {
    const errors = new ValidationErrors().add('b', 'second attr').add('a', 'first').add('b', 'second attr');
    let thrown: unknown;
    try {
      errors.throwIfAny();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    const apiError = thrown as ApiError;
    expect(apiError.statusCode).toBe(422);
    expect(apiError.expected).toBe(true);
    expect(JSON.stringify(apiError.body)).toBe(
      '{"errors":[{"title":"b","detail":"second attr"},{"title":"a","detail":"first"}]}',
    );
  });

  it('items() returns a snapshot: later additions do not change it', () => {
    const errors = new ValidationErrors().add('a', 'x');
    const snapshot = errors.items();
    errors.add('a', 'y');
    expect(snapshot).toEqual([{ title: 'a', detail: 'x' }]);
    expect(errors.items()).toHaveLength(2);
  });
});
