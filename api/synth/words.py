"""Small French/English vocabularies the synthetic texts are built from (no downloads).

`WORDS` pairs a French word with an English one at the same index, so a text drawn as a
sequence of indices reads in both languages and its "translation" costs nothing. Word
order is the order of frequency the texts use (index 0 the most frequent).
"""

from __future__ import annotations

_PAIRS = """
le|the de|of et|and à|to un|a la|the les|the des|of en|in pour|for dans|in sur|on par|by avec|with
selon|according_to contre|against après|after avant|before depuis|since lors_de|during sans|without
entre|between vers|towards sous|under près_de|near loin_de|far_from chez|at autour_de|around
président|president ministre|minister gouvernement|government armée|army frontière|border
accord|agreement attaque|attack sanctions|sanctions réunion|meeting visite|visit déclaration|statement
rapport|report conférence|conference délégation|delegation porte-parole|spokesperson ambassadeur|ambassador
drones|drones missiles|missiles livraison|delivery usine|factory usines|factories moteur|engine
moteurs|engines composants|components pièces|parts entreprise|company entreprises|companies
responsables|officials diplomates|diplomats experts|experts analystes|analysts journalistes|journalists
enquête|investigation preuves|evidence images|images satellite|satellite renseignement|intelligence
services|services agence|agency presse|press médias|media source|source sources|sources témoins|witnesses
civils|civilians soldats|soldiers troupes|troupes forces|forces régiment|regiment base|base aérodrome|airfield
port|port ville|city région|region capitale|capital pays|country pays_voisins|neighbouring_countries
alliés|allies partenaires|partners adversaires|adversaries voisins|neighbours coalition|coalition
conseil|council sécurité|security nations|nations unies|united union|union européenne|european
commission|commission parlement|parliament sénat|senate congrès|congress tribunal|court juge|judge
loi|law décret|decree résolution|resolution vote|vote élection|election campagne|campaign opposition|opposition
négociations|negotiations pourparlers|talks cessez-le-feu|ceasefire trêve|truce paix|peace guerre|war
conflit|conflict crise|crisis tensions|tensions menace|threat menaces|threats avertissement|warning
frappe|strike frappes|strikes bombardement|shelling explosion|explosion incendie|fire dégâts|damage
victimes|casualties blessés|wounded morts|dead réfugiés|refugees aide|aid humanitaire|humanitarian
exportations|exports importations|imports pétrole|oil gaz|gas énergie|energy électricité|electricity
prix|prices économie|economy marché|market banque|bank monnaie|currency dette|debt budget|budget
contrat|contract commande|order transfert|transfer transport|transport navire|ship avion|aircraft
cargaison|cargo convoi|convoy route|road chemin_de_fer|railway pont|bridge tunnel|tunnel
dimanche|Sunday lundi|Monday mardi|Tuesday mercredi|Wednesday jeudi|Thursday vendredi|Friday samedi|Saturday
matin|morning soir|evening nuit|night semaine|week mois|month année|year hier|yesterday aujourd'hui|today
nouveau|new nouvelle|new ancien|former grand|large grande|large petit|small important|important
officiel|official officielle|official secret|secret secrète|secret public|public militaire|military
civil|civilian étranger|foreign étrangère|foreign national|national nationale|national international|international
russe|Russian iranien|Iranian ukrainien|Ukrainian américain|American européen|European français|French
britannique|British allemand|German chinois|Chinese turc|Turkish israélien|Israeli syrien|Syrian
plusieurs|several nombreux|many certains|some quelques|a_few deux|two trois|three dix|ten cent|hundred
mille|thousand premier|first dernier|last prochain|next récent|recent récents|recent probable|likely
a_déclaré|said a_affirmé|asserted a_démenti|denied a_nié|denied a_accusé|accused a_admis|admitted
a_reconnu|acknowledged a_averti|warned a_annoncé|announced a_condamné|condemned a_appelé|called_on
a_refusé|refused a_confirmé|confirmed a_répondu|responded a_rapporté|reported a_révélé|revealed
a_indiqué|indicated a_souligné|stressed a_ajouté|added a_précisé|specified a_rappelé|recalled
livre|supplies livrent|supply fabrique|manufactures fabriquent|manufacture utilise|uses utilisent|use
envoie|sends envoient|send reçoit|receives reçoivent|receive prépare|prepares préparent|prepare
soutient|supports soutiennent|support rejette|rejects rejettent|reject dénonce|denounces dénoncent|denounce
menace|threatens menacent|threaten négocie|negotiates négocient|negotiate signe|signs signent|sign
est|is sont|are était|was étaient|were sera|will_be seront|will_be a_été|has_been ont_été|have_been
aurait|would_have auraient|would_have pourrait|could pourraient|could doit|must doivent|must
peut|can peuvent|can veut|wants veulent|want semble|seems semblent|seem reste|remains restent|remain
ne|not pas|not jamais|never toujours|always encore|still déjà|already aussi|also seulement|only
très|very plus|more moins|less bien|well mal|badly trop|too assez|enough presque|almost environ|about
il|he elle|she ils|they nous|we vous|you on|one qui|who que|that dont|whose où|where quand|when
comme|as mais|but ou|or donc|therefore car|because si|if alors|then ainsi|thus cependant|however
notamment|notably également|also enfin|finally puis|then désormais|henceforth toutefois|nevertheless
ce|this cette|this ces|these son|his sa|her ses|its leur|their leurs|their notre|our votre|your
tout|all toute|all tous|all toutes|all aucun|no aucune|no chaque|each autre|other autres|others même|same
question|question réponse|answer information|information informations|information nouvelles|news
programme|programme projet|project plan|plan stratégie|strategy politique|policy position|position
opération|operation opérations|operations mission|mission exercice|exercise manœuvres|manoeuvres
formation|training instructeurs|instructors techniciens|technicians ingénieurs|engineers équipes|teams
production|production capacité|capacity stock|stock arsenal|arsenal munitions|ammunition obus|shells
défense|defence attaque_aérienne|air_strike radar|radar système|system systèmes|systems réseau|network
communiqué|press_release entretien|interview discours|speech message|message lettre|letter appel|call
document|document documents|documents dossier|file archives|archives données|data chiffres|figures
semaines|weeks mois_derniers|past_months années|years décennie|decade siècle|century période|period
début|beginning fin|end milieu|middle moment|moment jour|day jours|days heure|hour heures|hours
hauts_responsables|senior_officials sources_proches|people_familiar anonymes|anonymous occidentaux|Western
Téhéran|Tehran Moscou|Moscow Kiev|Kyiv Washington|Washington Paris|Paris Londres|London Berlin|Berlin
Bruxelles|Brussels Genève|Geneva Ankara|Ankara Pékin|Beijing Damas|Damascus Minsk|Minsk Varsovie|Warsaw
Crimée|Crimea Donbass|Donbas Kherson|Kherson Odessa|Odesa Kharkiv|Kharkiv Zaporijia|Zaporizhzhia
fabrication|manufacturing assemblage|assembly licence|licence brevet|patent technologie|technology
ingénierie|engineering conception|design prototype|prototype modèle|model version|version série|series
rencontre|encounter visite_officielle|state_visit sommet|summit forum|forum session|session audience|hearing
témoignage|testimony aveu|admission démenti|denial accusation|accusation condamnation|condemnation
réaction|reaction annonce|announcement appel_au_calme|call_for_calm refus|refusal silence|silence
"""

WORDS: tuple[tuple[str, str], ...] = tuple(
    (fr.replace("_", " "), en.replace("_", " ")) for fr, en in (pair.split("|") for pair in _PAIRS.split()) if fr and en
)
"""(French, English) pairs, most frequent first."""
