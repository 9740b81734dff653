/**
 * The Windows branch of `prealert autostart`, built with path.win32 on any OS: where the launcher goes, its exact
 * bytes (UTF-16LE with a BOM, VBScript and command-line quoting) for paths with spaces and Chinese, and status
 * reading a launcher back.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { autostartBytes, autostartFile, autostartState, type StartCommand } from '../src/autostart/autostart-entry';
import { fixedPortWarning, terminalServerSession } from '../src/autostart/install-checks';
import { launcherCommand, splitWindowsCommandLine, windowsCommandLine } from '../src/autostart/windows-launcher';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-autostart-win-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const command: StartCommand = {
  node: 'C:\\Program Files\\nodejs\\node.exe',
  cli: 'D:\\软件 安装\\prealert\\sidecar\\dist\\cli.js',
  // A trailing backslash before the closing quote is where naive quoting breaks.
  serveArgs: ['--data-dir', 'D:\\医保 数据\\', '--port', '0'],
};

describe('prealert autostart on Windows', () => {
  it("puts the launcher in the account's Startup folder, and names APPDATA when it cannot", () => {
    expect(autostartFile('win32', { APPDATA: 'C:\\Users\\张 医生\\AppData\\Roaming' })).toBe(
      'C:\\Users\\张 医生\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\prealert.vbs',
    );
    expect(() => autostartFile('win32', {})).toThrow(/^cannot find the Startup folder: APPDATA is not set;/);
    expect(() => autostartFile('win32', { APPDATA: 'AppData' })).toThrow(
      /^cannot find the Startup folder: APPDATA is not absolute \(AppData\);/,
    );
  });

  it('puts the launcher in a Startup folder given with --startup-dir (Group Policy redirection), refusing a relative one', () => {
    const appData = { APPDATA: 'C:\\Users\\张 医生\\AppData\\Roaming' };
    expect(autostartFile('win32', appData, '\\\\fs01\\profiles$\\zhang\\Start Menu\\Programs\\Startup')).toBe(
      '\\\\fs01\\profiles$\\zhang\\Start Menu\\Programs\\Startup\\prealert.vbs',
    );
    expect(autostartFile('win32', {}, 'D:\\启动')).toBe('D:\\启动\\prealert.vbs');
    for (const relative of ['Startup', 'D:Startup', '\\Startup'])
      expect(() => autostartFile('win32', appData, relative)).toThrow(
        `--startup-dir must be an absolute folder such as \\\\server\\profiles\\<account>\\Startup or D:\\Startup, not ${JSON.stringify(relative)}`,
      );
  });

  it('warns about a fixed port, naming a Remote Desktop session from SESSIONNAME, and not about port 0', () => {
    const rdp = { SESSIONNAME: 'RDP-Tcp#3' };
    expect(terminalServerSession('win32', rdp)).toBe(true);
    expect(terminalServerSession('win32', { SESSIONNAME: 'ICA-CGP#1' })).toBe(true);
    expect(terminalServerSession('win32', { SESSIONNAME: 'Console' })).toBe(false);
    expect(terminalServerSession('linux', rdp)).toBe(false);
    expect(fixedPortWarning({}, 'win32', rdp)).toBe(
      'warning: the logon start listens on port 17311 (unless the config file sets "port"); this is a Remote Desktop session (SESSIONNAME=RDP-Tcp#3): every doctor\'s sidecar on this server would try it and all but the first would exit unseen: install with --port 0 and give each account its own shimToken (sidecar/README.md, Starting at logon)',
    );
    expect(fixedPortWarning({ port: '17400' }, 'win32', { SESSIONNAME: 'Console' })).toMatch(
      /^warning: the logon start listens on the fixed port 17400; on a terminal server /,
    );
    expect(fixedPortWarning({ port: '0' }, 'win32', rdp)).toBeUndefined();
  });

  it('writes UTF-16LE with a BOM, running node hidden and without waiting, quoted for VBScript and CommandLineToArgvW', () => {
    const bytes = autostartBytes('win32', command);
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    const text = bytes.subarray(2).toString('utf16le');
    // A node that is gone must not put a Script Host error box up at every logon.
    expect(text.split('\r\n')[1]).toBe('On Error Resume Next');
    expect(text.split('\r\n')[2]).toBe(
      'CreateObject("WScript.Shell").Run """C:\\Program Files\\nodejs\\node.exe"" ""D:\\软件 安装\\prealert\\sidecar\\dist\\cli.js"" serve --data-dir ""D:\\医保 数据\\\\"" --port 0", 0, False',
    );
    expect(text.endsWith('\r\n')).toBe(true);
    expect(launcherCommand(bytes)).toEqual([command.node, command.cli, 'serve', ...command.serveArgs]);
  });

  it('quotes as CommandLineToArgvW reads back, and refuses what WScript would expand', () => {
    const argv = ['C:\\a b\\n.exe', 'x"y', 'c:\\tail\\\\', '', 'plain', 'a\\\\"b', '中 文'];
    expect(splitWindowsCommandLine(windowsCommandLine(argv))).toEqual(argv);
    expect(() => windowsCommandLine(['C:\\%USERNAME%\\d'])).toThrow(/WScript would expand its %…% as a variable/);
  });

  it('status: current for this build, stale for a launcher naming another tree, absent without one', () => {
    const file = path.join(work, 'prealert.vbs');
    expect(autostartState('win32', file, command).state).toBe('absent');
    fs.writeFileSync(file, autostartBytes('win32', command));
    expect(autostartState('win32', file, command).state).toBe('current');
    // Windows paths name the same file in any case.
    expect(autostartState('win32', file, { ...command, cli: command.cli.toUpperCase() }).state).toBe('current');
    const upgraded = { ...command, cli: 'E:\\prealert 2\\sidecar\\dist\\cli.js' };
    expect(autostartState('win32', file, upgraded)).toMatchObject({
      state: 'stale',
      argv: [command.node, command.cli, 'serve', ...command.serveArgs],
    });
    fs.writeFileSync(file, 'MsgBox "hello"\r\n');
    expect(autostartState('win32', file, command).state).toBe('unreadable');
  });
});
