import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';

/** The body of `POST /auth/refresh`. */
export class RefreshDto {
  @ApiProperty()
  @IsString()
  @Length(1, 8192)
  refresh_token!: string;
}

/** The body of `POST /auth/logout`. */
export class LogoutDto {
  @ApiPropertyOptional({ description: "Also revoke this login's refresh family" })
  @IsOptional()
  @IsString()
  @Length(1, 8192)
  refresh_token?: string;
}
