import { Injectable } from '@nestjs/common';

// The NestJS docs recipe's users service (a hard-coded list), plus a switch that makes it fail
// the way a database that is down does, for the 503 case.
export type User = { userId: number; username: string; password: string };

@Injectable()
export class UsersService {
  down = false;

  private readonly users: User[] = [
    { userId: 1, username: 'john', password: 'changeme' },
    { userId: 2, username: 'maria', password: 'guess' },
  ];

  async findOne(username: string): Promise<User | undefined> {
    if (this.down) throw new Error('users database unreachable');
    return this.users.find((user) => user.username === username);
  }

  async findById(id: number): Promise<User | undefined> {
    if (this.down) throw new Error('users database unreachable');
    return this.users.find((user) => user.userId === id);
  }
}
