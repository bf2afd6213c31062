// A parameter used as plain text: as written, or expanded per call when it holds a macro.
import { hasMacro, type OperatorRunContext } from './operator.js';

export class ParamText {
  private readonly dynamic: boolean;

  constructor(private readonly raw: string) {
    this.dynamic = hasMacro(raw);
  }

  get(ctx: OperatorRunContext): string {
    return this.dynamic ? ctx.expand(this.raw) : this.raw;
  }
}
