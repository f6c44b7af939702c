import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** The body of `POST /reports`. */
export class CreateReportDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Quarterly numbers' })
  @IsString()
  @Length(1, 200)
  title!: string;

  @ApiProperty({ minLength: 1, maxLength: 10_000, example: 'Revenue is up.' })
  @IsString()
  @Length(1, 10_000)
  body!: string;
}
