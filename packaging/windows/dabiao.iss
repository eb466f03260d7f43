; Inno Setup 6 script for 达标 on Windows 10 / 11: a per-user install (no admin rights),
; a Start-menu entry, optional desktop icon. Built by packaging/build.py on Windows, which
; passes the defines below; by hand (from the repository root, after the PyInstaller step):
;   ISCC.exe /DAppVersion=0.1.0 packaging\windows\dabiao.iss
; UNTESTED: written on Linux; .github/workflows/windows-installer.yml is meant to build it.
; User data lives in %LOCALAPPDATA%\Dabiao (platformdirs), never under {app}: the
; uninstaller removes only what it installed, so upgrades and uninstalls keep it.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\dabiao"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#ifndef IconFile
  #define IconFile "..\icons\dabiao.ico"
#endif

[Setup]
; Never change AppId: upgrades find the installed copy by it.
AppId={{6F1C2B9E-4D3A-4B8E-9C51-0D7A2E5B8F14}
AppName=达标
AppVersion={#AppVersion}
AppVerName=达标 {#AppVersion}
AppPublisher=Dabiao developers
AppComments=基层武装部规范化建设考评（离线）
VersionInfoVersion={#AppVersion}
; Per user, without admin rights: {autopf} is %LOCALAPPDATA%\Programs then. Someone who
; is an administrator may still choose "for all users" in the dialog.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\Dabiao
DefaultGroupName=达标
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=dabiao-{#AppVersion}-windows-x64-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\dabiao.exe
UninstallDisplayName=达标 {#AppVersion}
LicenseFile=..\..\LICENSE
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
; ChineseSimplified.isl is one of Inno Setup's unofficial translations, not installed with
; it; the CI workflow puts it into Inno Setup's Languages folder. Without it: English.
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "chs"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#else
Name: "en"; MessagesFile: "compiler:Default.isl"
#endif

[Tasks]
Name: "desktopicon"; Description: "在桌面创建快捷方式"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the program files wholesale (user data is elsewhere).
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\达标"; Filename: "{app}\dabiao.exe"; Comment: "基层武装部规范化建设考评"
Name: "{autodesktop}\达标"; Filename: "{app}\dabiao.exe"; Comment: "基层武装部规范化建设考评"; Tasks: desktopicon

[Run]
Filename: "{app}\dabiao.exe"; Description: "启动 达标"; Flags: nowait postinstall skipifsilent
