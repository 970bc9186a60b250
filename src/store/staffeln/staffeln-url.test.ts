import assert from 'node:assert/strict'
import { test } from 'node:test'
import { UserError } from '../../domain/errors.ts'
import { parseStaffelnUrl } from './staffeln-url.ts'

test('MySQL URLs as oslo.db writes them: driver suffix, default port, percent-decoded credentials, redacted display', () => {
  assert.deepEqual(parseStaffelnUrl('mysql+pymysql://staffeln:p%40ss%2Fw0rd@db.example:3307/staffeln?charset=utf8'), {
    dialect: 'mysql',
    user: 'staffeln',
    password: 'p@ss/w0rd',
    host: 'db.example',
    port: 3307,
    database: 'staffeln',
    display: 'mysql+pymysql://staffeln:***@db.example:3307/staffeln?charset=utf8',
  })
  const plain = parseStaffelnUrl('mysql://root@[::1]/staffeln')
  assert.equal(plain.dialect, 'mysql')
  assert.deepEqual(plain.dialect === 'mysql' && [plain.host, plain.port, plain.user, plain.password], ['::1', 3306, 'root', undefined])
  const socket = parseStaffelnUrl('mariadb+pymysql://s:pw@/staffeln?unix_socket=/run/mysqld/mysqld.sock&ssl_ca=/etc/ssl/ca.pem&plugin=dbcounter')
  assert.deepEqual(socket.dialect === 'mysql' && [socket.socketPath, socket.ssl], ['/run/mysqld/mysqld.sock', { ca: '/etc/ssl/ca.pem' }])
})

test("SQLite URLs follow SQLAlchemy: the path is what follows the third slash", () => {
  assert.deepEqual(parseStaffelnUrl('sqlite:////var/lib/staffeln/staffeln.db'), { dialect: 'sqlite', path: '/var/lib/staffeln/staffeln.db', display: 'sqlite:////var/lib/staffeln/staffeln.db' })
  assert.deepEqual(parseStaffelnUrl('sqlite:///staffeln.db'), { dialect: 'sqlite', path: 'staffeln.db', display: 'sqlite:///staffeln.db' })
})

test('unusable URLs are user errors naming the problem, never the password', () => {
  const cases: [string, RegExp][] = [
    ['', /--from is empty/],
    ['staffeln.db', /not a database URL/],
    ['postgresql://u:secretpw@h/staffeln', /scheme postgresql is not read/],
    ['mysql://u:secretpw@h:0x1/staffeln', /port "0x1"/],
    ['mysql://u:secretpw@h/staffeln?init_command=drop', /query parameter init_command is not supported/],
    ['mysql://u:secretpw@h', /names no database/],
    ['mysql://u:secret@pw@h/staffeln', /raw "@"/],
    ['mysql://u:secretpw%G1@h/staffeln', /invalid percent-encoding/],
    ['sqlite://', /in-memory/],
    ['sqlite://u:secretpw@host/x.db', /names no user or host/],
    ['sqlite:////x.db?mode=ro', /query parameters are not read/],
  ]
  for (const [url, expected] of cases) {
    assert.throws(
      () => parseStaffelnUrl(url),
      (err: unknown) => err instanceof UserError && err.code === 'CLI_USAGE' && expected.test(err.message) && !err.message.includes('secret'),
      url,
    )
  }
})

test('the display never holds the password, whatever characters it has', () => {
  for (const pw of ['pa?ss', 'pa/ss', 'p:a:s', 'pa#ss', 'pa%40ss']) {
    const t = parseStaffelnUrl(`mysql+pymysql://staffeln:${pw}@db.example:3306/staffeln?charset=utf8`)
    assert.equal(t.display, 'mysql+pymysql://staffeln:***@db.example:3306/staffeln?charset=utf8', pw)
  }
  assert.throws(() => parseStaffelnUrl('mysql+pymysql:/staffeln:secret@db/staffeln'), (err: Error) => /\(not shown\)/.test(err.message) && !err.message.includes('secret'))
})
