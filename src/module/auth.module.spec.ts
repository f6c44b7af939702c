import { Controller, Get } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import {
  Auth,
  AuthConfigurationError,
  AuthModule,
  HasAnyPermission,
  HasPermission,
  Public,
} from 'nestjs-gatehouse';
import { bootAndClose } from '../../test/support/http-app.js';
import { namedBackend, NoUsers } from '../../test/support/test-backends.js';

const OneBackend = namedBackend('one');
const AlsoNamedOne = namedBackend('one');

describe('AuthModule options are validated at bootstrap', () => {
  it('requires at least one backend', () => {
    expect(() => AuthModule.forRoot({ backends: [], userModel: NoUsers })).toThrowError(
      /invalid option "backends": no backend is configured\. Fix: list at least one backend/,
    );
  });

  it('refuses something that is not an AuthBackend class', () => {
    class NotABackend {}
    expect(() =>
      AuthModule.forRoot({ backends: [NotABackend as never], userModel: NoUsers }),
    ).toThrowError(/"backends\[0\]": is not a class that extends AuthBackend/);
  });

  it('requires a user model, also for forRootAsync', () => {
    expect(() => AuthModule.forRoot({ backends: [OneBackend] })).toThrowError(
      AuthConfigurationError,
    );
    expect(() =>
      AuthModule.forRootAsync({ backends: [OneBackend], useFactory: () => ({}) }),
    ).toThrowError(/"userModel": is missing/);
  });

  it('refuses two backends with the same name when the app starts', async () => {
    await expect(
      bootAndClose([
        AuthModule.forRoot({ backends: [OneBackend, AlsoNamedOne], userModel: NoUsers }),
      ]),
    ).rejects.toThrowError(/two backends are named "one"/);
  });

  it('validates options returned by an async factory', async () => {
    await expect(
      bootAndClose([
        AuthModule.forRootAsync({
          backends: [OneBackend],
          userModel: NoUsers,
          useFactory: async () => ({ roles: { a: { inherits: ['a'] } } }),
        }),
      ]),
    ).rejects.toThrowError(/roles\.a\.inherits.*cycle/);
  });

  it('refuses @Auth naming an unknown backend at start, naming the route', async () => {
    @Controller()
    class Ctl {
      @Auth('jwt')
      @Get()
      get() {
        return 1;
      }
    }
    await expect(
      bootAndClose([AuthModule.forRoot({ backends: [OneBackend], userModel: NoUsers })], [Ctl]),
    ).rejects.toThrowError(/@Auth on Ctl\.get.*"jwt", which is not configured \(configured: one\)/);
  });

  it('refuses permission requirements on a public route at start', async () => {
    @Public()
    @Controller()
    class Ctl {
      @HasPermission('a')
      @Get()
      get() {
        return 1;
      }
    }
    await expect(
      bootAndClose([AuthModule.forRoot({ backends: [OneBackend], userModel: NoUsers })], [Ctl]),
    ).rejects.toThrowError(/@HasPermission on Ctl\.get.*@Public\(\)/);
  });

  it('boots a valid configuration', async () => {
    @Controller()
    class Ctl {
      @Auth('one')
      @HasAnyPermission(['a', 'b'])
      @Get()
      get() {
        return 1;
      }
    }
    await expect(
      bootAndClose([AuthModule.forRoot({ backends: [OneBackend], userModel: NoUsers })], [Ctl]),
    ).resolves.toBeUndefined();
  });
});

describe('decorators refuse bad input when applied', () => {
  it('@Auth', () => {
    expect(() => Auth([])).toThrowError(TypeError);
    expect(() => Auth({ freshWithinSeconds: 0 })).toThrowError(/freshWithinSeconds/);
  });

  it('@HasPermission and @HasAnyPermission', () => {
    expect(() => HasPermission([])).toThrowError(TypeError);
    expect(() => HasAnyPermission('')).toThrowError(TypeError);
  });
});
