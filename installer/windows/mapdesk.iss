; Inno Setup 6 script: the Windows installer for the one-folder bundle.
; Build on Windows x64 (see installer/windows/README.md):
;     iscc /DAppVersion=0.1.0 installer\windows\mapdesk.iss
; Input:  dist\mapdesk\ from installer\mapdesk.spec (mapdesk.exe, mapdesk-cli.exe, _internal\)
; Output: dist\mapdesk-<version>-windows-x64-setup.exe

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z installer\windows\mapdesk.iss
#endif
#define Root "..\.."

[Setup]
; The AppId identifies mapdesk to Windows' uninstaller across versions: never change it.
AppId={{6E2B7D4A-3C1F-4F0B-9A57-2D8E6C1B5F93}
AppName=mapdesk
AppVersion={#AppVersion}
AppPublisher=City of Portland, Maine - Information Technology
AppComments=Desktop GIS: PSAP coverage, FixIt incidents, network assets
DefaultDirName={autopf}\mapdesk
DefaultGroupName=mapdesk
DisableProgramGroupPage=yes
; Per-machine by default (IT deploys it); users without admin rights may install for themselves.
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SourceDir={#Root}
OutputDir=dist
OutputBaseFilename=mapdesk-{#AppVersion}-windows-x64-setup
SetupIconFile=mapdesk\resources\icons\app\mapdesk.ico
UninstallDisplayIcon={app}\mapdesk.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; An upgrade replaces the files of a running copy only after it is closed.
CloseApplications=yes
ChangesAssociations=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; Files of the previous version's bundle must not linger beside the new one's
; (an old library loaded by the new Python breaks it).
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "dist\mapdesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\mapdesk"; Filename: "{app}\mapdesk.exe"
Name: "{autodesktop}\mapdesk"; Filename: "{app}\mapdesk.exe"; Tasks: desktopicon

[Registry]
; .mapdesk projects open in mapdesk (HKA: per machine or per user, as installed).
Root: HKA; Subkey: "Software\Classes\.mapdesk\OpenWithProgids"; ValueType: string; ValueName: "mapdesk.project"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\mapdesk.project"; ValueType: string; ValueName: ""; ValueData: "mapdesk project"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\mapdesk.project\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\mapdesk.exe,0"
Root: HKA; Subkey: "Software\Classes\mapdesk.project\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\mapdesk.exe"" ""%1"""

[Run]
Filename: "{app}\mapdesk.exe"; Description: "{cm:LaunchProgram,mapdesk}"; Flags: nowait postinstall skipifsilent

; Projects, settings, backups and edit journals live in the user's profile and
; are kept on uninstall.
